"""Config mistakes stop a tool at start-up with a message saying what to
fix."""
import argparse
import glob
import json
import os.path as osp
import sys

import pytest
from conftest import REPO_ROOT, load_script, point_config_at
from mmengine.config import Config, DictAction

from directpose.engine import build_runner, load_config
from directpose.engine.config_checks import (ConfigError, check_config,
                                             check_keypoint_counts,
                                             check_modules)

DIRECTPOSE = 'configs/directpose/directpose_r18-tiny_fpn_1xb8-40e_synthetic-coco-256x256.py'  # noqa: E501
RTMO = 'configs/rtmo/rtmo-tiny_1xb8-30e_synthetic-coco-256x256.py'
SWAHR = 'configs/swahr/swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py'  # noqa: E501


def _config(path, *options, root=None):
    """The config as tools/train.py builds it with these --cfg-options."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    opts = [*(point_config_at(root) if root else []), *options]
    args = parser.parse_args(['--cfg-options', *opts] if opts else [])
    return load_config(osp.join(REPO_ROOT, path), args.cfg_options)


def _problems(cfg, phase='train'):
    with pytest.raises(ConfigError) as info:
        check_config(cfg, phase)
    return str(info.value)


def test_the_tiny_configs_pass(synthetic_coco):
    for path in (DIRECTPOSE, RTMO):
        cfg = _config(path, root=synthetic_coco)
        check_config(cfg, 'train')
        check_config(cfg, 'test')


@pytest.mark.parametrize(
    'path', sorted(glob.glob(osp.join(REPO_ROOT, 'configs/*/*.py'))))
def test_every_config_names_known_modules_and_arguments(path):
    cfg = Config.fromfile(path)
    assert check_modules(cfg) + check_keypoint_counts(cfg) == []


@pytest.mark.parametrize('path', [
    p for p in sorted(glob.glob(osp.join(REPO_ROOT, 'configs/*/*.py')))
    if osp.basename(osp.dirname(p)) not in ('_base_', 'studies')
])
def test_every_method_config_has_the_robustness_hooks(path):
    hooks = {h['type'] for h in Config.fromfile(path).custom_hooks}
    assert {'SafeCheckpointHook', 'NonFiniteLossHook',
            'EpochSeedHook'} <= hooks


def test_unknown_module_types_name_the_place_and_a_suggestion(synthetic_coco):
    cfg = _config(
        DIRECTPOSE,
        'model.head.type=DirectPoseHed',
        'train_dataloader.dataset.pipeline.0.type=LoadImg',
        'custom_hooks.0.type=SyncBufferHook',
        root=synthetic_coco)
    message = _problems(cfg)
    assert "model.head.type='DirectPoseHed' is not registered in mmpose's " \
        "model registry. Did you mean 'DirectPoseHead'" in message
    assert "train_dataloader.dataset.pipeline[0].type='LoadImg'" in message
    assert "'LoadImage'" in message
    assert "custom_hooks[0].type='SyncBufferHook'" in message
    assert "'SyncBuffersHook'" in message
    assert 'custom_imports' in message


def test_unknown_arguments_name_the_module_and_its_arguments(synthetic_coco):
    cfg = _config(
        DIRECTPOSE,
        'model.head.num_keypoint=17',
        'train_cfg.max_epoch=3',
        'val_evaluator.score_mod=bbox',
        root=synthetic_coco)
    message = _problems(cfg)
    assert "model.head.num_keypoint: DirectPoseHead has no argument " \
        "'num_keypoint'. Did you mean 'num_keypoints'?" in message
    assert "train_cfg.max_epoch: EpochBasedTrainLoop has no argument " \
        "'max_epoch'. Did you mean 'max_epochs'?" in message
    assert "val_evaluator.score_mod: CocoMetric has no argument" in message
    assert '3 problem(s)' in message


def test_layer_configs_may_carry_keys_of_mmcvs_builders(synthetic_coco):
    # BN has no `requires_grad`, but mmcv's build_norm_layer takes it
    cfg = _config(
        DIRECTPOSE,
        'model.backbone.norm_cfg.requires_grad=False',
        root=synthetic_coco)
    check_config(cfg, 'train')


def test_keypoint_count_of_head_and_dataset_must_agree(synthetic_coco):
    cfg = _config(
        DIRECTPOSE, 'model.head.num_keypoints=14', root=synthetic_coco)
    message = _problems(cfg)
    assert 'model.head.num_keypoints=14 has 14 keypoints but ' \
        'train_dataloader.dataset has 17' in message


def test_rtmo_metainfo_files_are_compared_too(synthetic_coco):
    # a 14-keypoint dataset under a 17-keypoint RTMO: the head, its OKS loss
    # and its assigner's OKS all disagree
    cfg = _config(
        RTMO,
        'train_dataloader.dataset.type=CrowdPoseDataset',
        root=synthetic_coco)
    message = _problems(cfg)
    assert 'model.head.num_keypoints=17 has 17 keypoints but ' \
        'train_dataloader.dataset has 14' in message
    assert 'model.head.loss_oks.metainfo' in message
    assert 'model.head.assigner.oks_calculator.metainfo' in message


def test_per_keypoint_lists_are_compared_too(repo_root):
    # SWAHR moved to 14-keypoint data without its decoding order
    cfg = _config(SWAHR,
                  'train_dataloader.dataset.type=CheckedCrowdPoseDataset',
                  'val_dataloader.dataset.type=CheckedCrowdPoseDataset',
                  'test_dataloader.dataset.type=CheckedCrowdPoseDataset',
                  'model.head.num_keypoints=14')
    message = _problems(cfg, phase=None)
    assert 'model.head.decoder.decode_keypoint_order (a list of 17) has ' \
        '17 keypoints but train_dataloader.dataset has 14' in message
    assert 'model.head.num_keypoints' not in message


def test_missing_synthetic_data_says_which_command_makes_it(tmp_path):
    cfg = _config(DIRECTPOSE)
    cfg.train_dataloader.dataset.data_root = str(
        tmp_path / 'data/synthetic-crowdpose-standard')
    message = _problems(cfg)
    assert 'train_dataloader.dataset.data_root: ' in message
    assert 'python tools/dataset/make_synthetic.py --format crowdpose ' \
        '--preset standard' in message


def test_missing_files_and_folders_are_named(synthetic_coco, tmp_path):
    cfg = _config(
        DIRECTPOSE,
        'train_dataloader.dataset.ann_file=annotations/missing.json',
        f'val_dataloader.dataset.data_prefix.img={tmp_path}/val2017/',
        f'val_evaluator.ann_file={tmp_path}/person_keypoints_val2017.json',
        root=synthetic_coco)
    message = _problems(cfg)
    assert f'train_dataloader.dataset.ann_file: {synthetic_coco}/' \
        'annotations/missing.json does not exist' in message
    assert f'val_dataloader.dataset.data_prefix.img: {tmp_path}/val2017/ ' \
        'does not exist' in message
    assert f'val_evaluator.ann_file: {tmp_path}/person_keypoints_' \
        'val2017.json does not exist' in message
    assert '--cfg-options val_evaluator.ann_file=PATH' in message


def test_testing_needs_only_the_test_data(synthetic_coco, tmp_path):
    cfg = _config(DIRECTPOSE, root=synthetic_coco)
    cfg.train_dataloader.dataset.data_root = str(tmp_path / 'absent')
    check_config(cfg, 'test')
    assert 'train_dataloader' in _problems(cfg, 'train')
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_dataloader.dataset.data_root = str(tmp_path / 'absent')
    with pytest.raises(ConfigError, match='test_dataloader'):
        check_config(cfg, 'test')


def test_build_runner_checks_before_building(tmp_path):
    cfg = _config(DIRECTPOSE, 'model.head.type=DirectPoseHed')
    cfg.work_dir = str(tmp_path)
    with pytest.raises(ConfigError, match='DirectPoseHed'):
        build_runner(cfg, phase='train')
    assert not any(tmp_path.iterdir())  # no log folder: nothing was built


@pytest.fixture
def image_list(synthetic_coco, tmp_path):
    """synthetic-coco's val set without 'annotations' (test-dev style)."""
    with open(osp.join(synthetic_coco, 'annotations/val.json')) as f:
        info = json.load(f)
    del info['annotations']
    path = tmp_path / 'image_info_val.json'
    path.write_text(json.dumps(info))
    return str(path)


@pytest.mark.parametrize(
    'evaluator_file', [True, False],
    ids=['evaluator ann_file', 'dataset ann_file'])
def test_testing_on_an_image_list_says_to_use_submit(synthetic_coco,
                                                     image_list,
                                                     evaluator_file):
    # before: mmpose's "AssertionError: Ground truth annotations are
    # required for evaluation when `format_only` is False.", no file named
    cfg = _config(RTMO, root=synthetic_coco)
    cfg.test_dataloader.dataset.ann_file = image_list
    cfg.test_evaluator.ann_file = image_list if evaluator_file else None
    message = _problems(cfg, 'test')
    key = 'test_evaluator' if evaluator_file else 'test_dataloader.dataset'
    assert f"{key}.ann_file: {image_list} has no 'annotations'" in message
    assert f'tools/submit.py CONFIG CHECKPOINT --split test-dev ' \
        f'--image-list {image_list}' in message
    # an image list is a valid test set when only predictions are written
    cfg.test_evaluator.format_only = True
    cfg.test_evaluator.outfile_prefix = 'results'
    check_config(cfg, 'test')


def test_test_tool_stops_on_an_image_list(repo_root, synthetic_coco,
                                          image_list, monkeypatch):
    tool = load_script(repo_root, 'tools/test.py')
    monkeypatch.chdir(repo_root)
    monkeypatch.setattr(sys, 'argv', [
        'test.py', DIRECTPOSE, 'unused.pth', '--cfg-options',
        *point_config_at(synthetic_coco),
        f'test_evaluator.ann_file={image_list}'
    ])
    with pytest.raises(ConfigError, match=f"{image_list} has no 'annot"):
        tool.main()
