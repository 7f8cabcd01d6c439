"""configs/swahr: every config builds its model with the switches its name
says, the full-size ones carry the official SWAHR hyper-parameters, and the
tiny synthetic config tests (flip and multi-scale) through tools/test.py
(it trains and validates through tools/dist_train.sh in
test_distributed.py)."""
import glob
import os.path as osp
import subprocess
import sys

import pytest
from conftest import point_config_at
from mmengine.config import Config
from mmpose.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', 'swahr', '*.py')))
FULL_SIZE = [c for c in CONFIGS if 'higherhrnet-w' in c]
TINY = [c for c in CONFIGS if 'synthetic' in c]


def load(path):
    return Config.fromfile(osp.join(REPO, path))


def test_all_variants_exist():
    names = [osp.basename(c).split('_')[0] for c in CONFIGS]
    for variant in ('swahr', 'sahr', 'wahr', 'ae'):
        assert variant in names
    assert len(FULL_SIZE) >= 10 and len(TINY) >= 4


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds_the_model_its_name_says(path):
    cfg = load(path)
    variant = osp.basename(path).split('_')[0]
    head = MODELS.build(cfg.model).head
    assert type(head).__name__ == 'AEHigherResolutionHead'
    loss = head.loss_module.keypoint_loss
    if variant == 'ae':
        assert head.scale_branches is None
        assert type(loss).__name__ == 'KeypointMSELoss'
    else:
        sahr, wahr = variant in ('swahr', 'sahr'), variant in ('swahr', 'wahr')
        assert (loss.use_sahr, loss.use_wahr) == (sahr, wahr)
        assert (head.scale_branches is not None) == sahr
    crowdpose = 'crowdpose' in path
    assert head.num_keypoints == (14 if crowdpose else 17)
    assert len(head.decoder.decode_keypoint_order) == head.num_keypoints
    if crowdpose:
        # the official grouping order: COCO's cut to the indices below 14
        assert list(head.decoder.decode_keypoint_order) == [
            0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13
        ]
        assert cfg.val_evaluator.iou_type == 'keypoints_crowd'
        assert 'trainval' in cfg.train_dataloader.dataset.ann_file


@pytest.mark.parametrize('path', FULL_SIZE)
def test_full_size_configs_have_the_official_hyper_parameters(path):
    cfg = load(path)
    w48 = 'w48' in path
    optimizer = cfg.optim_wrapper.optimizer
    # the official code gives Adam no weight decay, and multiplies the
    # yaml's lr by its constant WORLD_SIZE = 8: 2.5e-4 (W32), 1.2e-4 (W48)
    assert optimizer.type == 'Adam' and 'weight_decay' not in optimizer
    assert optimizer.lr == pytest.approx(9.6e-4 if w48 else 2e-3)
    assert cfg.train_dataloader.batch_size == (10 if w48 else 20)
    assert cfg.train_cfg.max_epochs == 300
    warmup, decay = cfg.param_scheduler
    assert (warmup.start_factor, warmup.end) == (0.1, 3)
    assert (decay.begin, decay.end, decay.end_factor) == (3, 300, 0.0)

    affine, flip, target = cfg.train_pipeline[1:4]
    assert affine.rotate_factor == 30 and affine.scale_factor == (0.75, 1.5)
    # shifts of up to 0.2 of the crop window, as the official 40 / 200
    assert affine.type == 'BottomupWindowShiftAffine'
    assert affine.shift_factor == 0.2
    assert flip.type == 'RandomFlip'
    size = 640 if w48 else 512
    codec = target.encoder
    assert codec.input_size == (size, size) and codec.sigma == 2
    assert codec.heatmap_size == (size // 4, size // 4)
    assert codec.higher_heatmap_sizes == [(size // 2, size // 2)]

    decoder = cfg.model.head.decoder
    assert decoder.decode_keypoint_thr == (0.1 if w48 else 0.12)
    assert decoder.decode_nms_kernel == 5 and decoder.decode_tag_thr == 1.0
    assert cfg.model.test_cfg.flip_test


def run(args):
    proc = subprocess.run(
        args, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


@pytest.mark.slow
def test_tiny_config_tests_with_multiscale(trained_swahr, synthetic_coco,
                                           tmp_path):
    """Multi-scale (0.5, 1, 2) and flip test of the tiny config's checkpoint
    (its training and validation: test_distributed.py)."""
    config, checkpoint = trained_swahr
    out = run([
        sys.executable, 'tools/test.py', config, checkpoint, '--work-dir',
        str(tmp_path), '--cfg-options', *point_config_at(synthetic_coco),
        'model.test_cfg.multiscale_test=True',
        'test_dataloader.dataset.pipeline.1.aug_scales=[0.5,2.0]'
    ])
    assert 'coco/AP' in out
