"""Every method trains and evaluates on another keypoint set: CrowdPose's 14
and a 5-keypoint subset of synthetic-coco, with exactly the config changes
that docs/custom_keypoints.md lists (``for_keypoints`` below)."""
import math
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.hooks import Hook

from directpose.datasets import make_keypoint_subset
from directpose.engine import build_runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FIVE = ['nose', 'left_shoulder', 'right_shoulder', 'left_hip', 'right_hip']
CONFIGS = {
    'DirectPose':
    'configs/directpose/directpose_r18-tiny_fpn_1xb8-30e_synthetic-coco-'
    '128x128.py',
    'DirectPose-DCC':
    'configs/directpose/directpose-dcc_r18-tiny_fpn_1xb8-40e_synthetic-coco-'
    '256x256.py',
    'RTMO':
    'configs/rtmo/rtmo-tiny_1xb8-30e_synthetic-coco-128x128.py',
    'SWAHR':
    'configs/swahr/swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-'
    '128x128.py',
}


def for_keypoints(cfg, method, num_keypoints, metainfo, groups=None):
    """The changes docs/custom_keypoints.md lists for each method."""
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.metainfo = dict(from_file=metainfo)
    head = cfg.model.head
    head.num_keypoints = num_keypoints
    if method == 'DirectPose':
        head.kpt_predictor.groups = groups  # a preset, lists, or None
    elif method == 'RTMO':
        head.assigner.oks_calculator.metainfo = metainfo
        if head.loss_oks.get('metainfo') is not None:
            head.loss_oks.metainfo = metainfo
    elif method == 'SWAHR':
        head.decoder.decode_keypoint_order = list(range(num_keypoints))
    return cfg


@pytest.fixture(scope='module')
def coco5(synthetic_coco, tmp_path_factory):
    """synthetic-coco cut to 5 keypoints: (annotation folder, metainfo)."""
    out = str(tmp_path_factory.mktemp('coco5'))
    written = make_keypoint_subset([
        osp.join(synthetic_coco, 'annotations', f'{split}.json')
        for split in ('train', 'val')
    ], 'configs/_base_/datasets/coco.py', FIVE, out, 'coco5')
    return out, written['metainfo']


class _Metrics(Hook):

    def __init__(self):
        self.metrics = None

    def after_val_epoch(self, runner, metrics=None):
        self.metrics = metrics


def train_and_evaluate(cfg, images, annotations, tmp_path, crowdpose=False):
    """One epoch (two iterations) and the evaluation, in this process."""
    for loader, split in (('train_dataloader', 'train'),
                          ('val_dataloader', 'val'), ('test_dataloader',
                                                      'val')):
        dataset = cfg[loader].dataset
        dataset.update(
            data_root='',
            ann_file=osp.join(annotations, f'{split}.json'),
            data_prefix=dict(img=osp.join(images, f'{split}/')))
        if crowdpose:
            dataset.type = 'CheckedCrowdPoseDataset'
        cfg[loader].update(num_workers=0, persistent_workers=False)
    for name in ('val_evaluator', 'test_evaluator'):
        cfg[name].ann_file = osp.join(annotations, 'val.json')
        if crowdpose:
            cfg[name].update(
                iou_type='keypoints_crowd', prefix='crowdpose', use_area=False)
    cfg.train_dataloader.batch_size = 4
    cfg.train_cfg.update(max_epochs=1, val_interval=1)
    cfg.merge_from_dict({
        'default_hooks.checkpoint.interval':
        1,
        'default_hooks.checkpoint.save_best':
        None,  # a 'coco/' metric
        'default_hooks.logger.interval':
        1,
        'work_dir':
        str(tmp_path),
        'launcher':
        'none',
        'experiment_name':
        tmp_path.name,
        'custom_hooks': [
            h for h in cfg.get('custom_hooks', [])
            if h['type'] != 'RTMOModeSwitchHook'
        ],
    })
    runner = build_runner(cfg, phase='train')
    metrics = _Metrics()
    runner.register_hook(metrics)
    runner.train()
    assert metrics.metrics, 'no evaluation'
    for key, value in metrics.metrics.items():
        assert math.isfinite(value), (key, value)
    return runner.train_dataloader.dataset.metainfo, metrics.metrics


@pytest.mark.slow
@pytest.mark.parametrize('method', sorted(CONFIGS))
def test_five_keypoints(method, coco5, synthetic_coco, repo_root, tmp_path,
                        monkeypatch):
    monkeypatch.chdir(repo_root)
    annotations, metainfo = coco5
    cfg = for_keypoints(Config.fromfile(CONFIGS[method]), method, 5, metainfo)
    meta, metrics = train_and_evaluate(cfg, synthetic_coco, annotations,
                                       tmp_path)
    assert meta['num_keypoints'] == 5 and meta['flip_indices'] == [
        0, 2, 1, 4, 3
    ]
    assert 'coco/AP' in metrics


@pytest.mark.slow
@pytest.mark.parametrize('method', sorted(CONFIGS))
def test_crowdpose_keypoints(method, synthetic_crowdpose, repo_root, tmp_path,
                             monkeypatch):
    monkeypatch.chdir(repo_root)
    cfg = for_keypoints(
        Config.fromfile(CONFIGS[method]),
        method,
        14,
        'configs/_base_/datasets/crowdpose.py',
        groups='crowdpose')
    meta, metrics = train_and_evaluate(
        cfg,
        synthetic_crowdpose,
        osp.join(synthetic_crowdpose, 'annotations'),
        tmp_path,
        crowdpose=True)
    assert meta['num_keypoints'] == 14
    assert 'crowdpose/AP(H)' in metrics
