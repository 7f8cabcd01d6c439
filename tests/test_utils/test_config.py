"""directpose.utils.config: the code the configs share."""
import numpy as np
import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmengine.optim import LinearLR
from mmpose.registry import TRANSFORMS

from directpose.utils.config import (crowdpose_dataset, decaying_at_end,
                                     ending_at, inherited_pipelines,
                                     mode_switch_at, project_hooks,
                                     synthetic_data, with_args,
                                     with_transform_args,
                                     without_random_geometry)

PIPELINE = [
    dict(type='LoadImage'),
    dict(type='BottomupRandomAffine', input_size=(256, 256), shift_factor=0.1),
    dict(type='GenerateTarget', encoder=dict(type='A', input_size=(256, 256))),
    dict(type='BottomupResize', input_size=(256, 256), size_factor=128),
    dict(type='PackPoseInputs'),
]


def test_project_hooks_are_fresh_dicts_in_order():
    hooks = project_hooks()
    assert [h['type'] for h in hooks
            ] == ['SafeCheckpointHook', 'NonFiniteLossHook', 'EpochSeedHook']
    hooks[0]['priority'] = 1
    assert 'priority' not in project_hooks()[0]


def test_with_args_replaces_only_the_arguments_a_transform_has():
    codec = dict(type='A', input_size=(128, 128))
    new = with_args(
        PIPELINE, input_size=(128, 128), encoder=codec, size_factor=32)
    assert new == [
        dict(type='LoadImage'),
        dict(
            type='BottomupRandomAffine',
            input_size=(128, 128),
            shift_factor=0.1),
        dict(type='GenerateTarget', encoder=codec),
        dict(type='BottomupResize', input_size=(128, 128), size_factor=32),
        dict(type='PackPoseInputs'),
    ]
    # the inherited pipeline is left as it was
    assert PIPELINE[1]['input_size'] == (256, 256)


def test_inherited_pipelines_are_the_bases_through_with_args():
    base = ConfigDict(train_pipeline=PIPELINE, val_pipeline=PIPELINE[3:])
    train, val = inherited_pipelines(base, input_size=(64, 64))
    assert train == with_args(PIPELINE, input_size=(64, 64))
    assert val == [
        dict(type='BottomupResize', input_size=(64, 64), size_factor=128),
        dict(type='PackPoseInputs'),
    ]


def test_with_transform_args_sets_arguments_of_one_type():
    new = with_transform_args(PIPELINE, 'BottomupResize', aug_scales=[0.5])
    assert new[3] == dict(PIPELINE[3], aug_scales=[0.5])
    assert new[:3] + new[4:] == PIPELINE[:3] + PIPELINE[4:]
    with pytest.raises(ValueError, match='no BottomupPyramidResize'):
        with_transform_args(PIPELINE, 'BottomupPyramidResize', aug_scales=[])


@pytest.mark.parametrize('mode', ['affine', 'affine_udp'])
def test_without_random_geometry_maps_an_input_sized_image_to_itself(mode):
    pipeline = [
        dict(
            type='BottomupRandomAffine',
            input_size=(160, 160),
            shift_factor=0.2,
            rotate_factor=30,
            scale_factor=(0.75, 1.5),
            transform_mode=mode)
    ]
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (160, 160, 3), dtype=np.uint8)
    keypoints = rng.uniform(10, 150, (3, 17, 2)).astype(np.float32)
    fixed = TRANSFORMS.build(without_random_geometry(pipeline)[0])
    outs = [
        fixed(dict(img=img.copy(), img_shape=(160, 160), keypoints=keypoints))
        for _ in range(5)
    ]
    for out in outs:  # every draw is the same map, the identity up to UDP's
        # (size - 1) / size scaling about the centre (half a pixel at edges)
        np.testing.assert_array_equal(out['keypoints'], outs[0]['keypoints'])
        np.testing.assert_array_equal(out['img'], outs[0]['img'])
        np.testing.assert_allclose(out['keypoints'], keypoints, atol=0.5)
    # the original does move them (so the identity above is the helper's)
    moved = TRANSFORMS.build(pipeline[0])(
        dict(img=img.copy(), img_shape=(160, 160), keypoints=keypoints))
    assert np.abs(moved['keypoints'] - keypoints).max() > 1


def test_crowdpose_dataset():
    assert crowdpose_dataset('test', 'data/crowdpose/') == dict(
        type='CheckedCrowdPoseDataset',
        data_root='data/crowdpose/',
        ann_file='annotations/mmpose_crowdpose_test.json',
        data_prefix=dict(img='images/'))


def test_ending_at_moves_the_end_of_the_last_scheduler():
    warmup = dict(type='LinearLR', by_epoch=False, begin=0, end=100)
    cosine = dict(type='CosineAnnealingLR', by_epoch=True, T_max=40, end=40)
    linear = dict(type='LinearLR', by_epoch=True, begin=0, end=80)
    assert ending_at([warmup, cosine],
                     8) == [warmup, dict(cosine, T_max=8, end=8)]
    assert ending_at([warmup, linear], 6) == [warmup, dict(linear, end=6)]
    with pytest.raises(ValueError, match='counts iterations'):
        ending_at([linear, warmup], 6)
    # a constant rate, then the decay over the last epochs
    assert ending_at([warmup, linear], 16,
                     epochs=4) == [warmup,
                                   dict(linear, begin=12, end=16)]
    assert ending_at([warmup, cosine], 16, epochs=4) == [
        warmup, dict(cosine, begin=12, end=16, T_max=4)
    ]
    with pytest.raises(ValueError, match='does not fit'):
        ending_at([warmup, linear], 3, epochs=4)


def test_decaying_at_end_holds_the_rate_then_decays_linearly():
    warmup = dict(
        type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=5)
    held, decay = decaying_at_end([warmup], 8, epochs=3)
    assert held == warmup
    # the rate mmengine's schedulers give, 10 iterations an epoch
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=1.0)
    args = {
        k: v
        for k, v in decay.items()
        if k not in ('type', 'by_epoch', 'convert_to_iter_based')
    }
    schedulers = [
        LinearLR(optimizer, start_factor=0.1, by_epoch=False, begin=0, end=5),
        LinearLR.build_iter_from_epoch(optimizer, epoch_length=10, **args)
    ]
    rates = []
    for _ in range(80):
        rates.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        for scheduler in schedulers:
            scheduler.step()
    assert rates[0] == pytest.approx(0.1)
    assert rates[5:51] == pytest.approx([1.0] * 46)  # constant to epoch 5
    # then linear, at 2% of the rate in the last iteration of epoch 8
    assert rates[50:80] == pytest.approx(
        [1.0 - 0.98 * i / 29 for i in range(30)])
    assert rates[79] == pytest.approx(0.02)


def test_mode_switch_at_moves_the_one_switch():
    stage2 = {'proxy_target_cc': True, 'loss_mle.loss_weight': 5.0}
    switch = dict(
        type='RTMOModeSwitchHook', epoch_attributes={5: stage2}, priority=48)
    other = dict(type='SyncNormHook')
    assert mode_switch_at([switch, other], 17) == [
        dict(switch, epoch_attributes={17: stage2}), other
    ]
    assert switch['epoch_attributes'] == {5: stage2}  # the input is kept
    with pytest.raises(ValueError, match='one switch'):
        mode_switch_at([dict(switch, epoch_attributes={
            5: stage2,
            7: stage2
        })], 17)


def test_synthetic_data():
    train, val, evaluator = synthetic_data('data/s/', [dict(type='A')],
                                           [dict(type='B')])
    assert train == dict(
        dataset=dict(data_root='data/s/', pipeline=[dict(type='A')]))
    assert val == dict(
        dataset=dict(data_root='data/s/', pipeline=[dict(type='B')]))
    assert evaluator == dict(ann_file='data/s/annotations/val.json')
    assert synthetic_data('data/s/')[:2] == (dict(
        dataset=dict(data_root='data/s/')), ) * 2


def test_a_text_config_importing_them_resolves_without_them(tmp_path):
    (tmp_path / 'base.py'
     ).write_text("pipeline = [dict(type='Resize', input_size=(8, 8))]\n")
    (tmp_path / 'child.py').write_text(
        "_base_ = ['./base.py']\n"
        'from directpose.utils.config import with_args\n'
        'pipeline = with_args(_base_.pipeline, input_size=(4, 4))\n')
    cfg = Config.fromfile(tmp_path / 'child.py')
    assert cfg.to_dict() == dict(
        pipeline=[dict(type='Resize', input_size=(4, 4))])
