"""Every COCO and CrowdPose config runs on the real images in
``../shared/data``: its own test pipeline, model and evaluator, from a
checkpoint the test saves (random weights), as ``tools/test.py`` does.

Configs are discovered (a new config is covered without editing this file).
Random weights score at their priors, so the score thresholds are set to 0
to have persons on every image: their keypoints must be finite and inside
a sane range, and the metric must come out finite. Configs whose test-time
model, pipeline and evaluator are the same (they differ in losses or
training-only branches, e.g. SAHR/WAHR/SWAHR/plain AE of one backbone) share
one run; the others build their own. Each test pipeline and evaluator runs
on every image once, with the config of the shortest name that has it (the
plain one, e.g. ``directpose_r50_fpn_...`` rather than its ``-bbox`` or
``_r101`` variants); a config that differs from it only in its model or its
input size (HigherHRNet-W48 at 640 beside W32 at 512: the same transforms),
and a multi-scale test (4-8 forward passes of a full-size network per
image), run on one non-square image.
"""
import glob
import json
import math
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import REAL_SAMPLES, real_dataset_of, use_real_samples
from mmengine.config import Config
from mmengine.hooks import Hook
from mmpose.registry import MODELS

from directpose.engine import build_runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _discover():
    """Path -> (dataset name, loaded config) of every real-data config."""
    found = {}
    for path in sorted(glob.glob(osp.join(REPO, 'configs', '*', '*.py'))):
        if '_base_' in path or osp.basename(osp.dirname(path)) == 'studies':
            continue
        cfg = Config.fromfile(path)
        name = real_dataset_of(cfg)
        if name is not None:
            found[osp.relpath(path, REPO)] = (name, cfg)
    return found


FOUND = _discover()
REAL_CONFIGS = {path: name for path, (name, _) in FOUND.items()}
# keys of a model config that only training reads
TRAIN_ONLY = ('loss', 'assigner', 'heatmap_branch', 'scale_branch', 'init_cfg',
              'overlaps_power')


def _test_time(node):
    """A config node without its training-only keys, JSON-able."""
    if isinstance(node, dict):
        return {
            k: _test_time(v)
            for k, v in sorted(node.items())
            if not any(t in k for t in TRAIN_ONLY)
        }
    if isinstance(node, (list, tuple)):
        return [_test_time(v) for v in node]
    return node


def signature(cfg, name, with_model=True):
    """The test-time model, pipeline and evaluator of ``cfg`` on dataset
    ``name``, as a JSON string; without ``with_model``, neither the model
    nor the pipeline's input size."""
    pipeline = _test_time(cfg.test_dataloader.dataset.pipeline)
    parts = dict(dataset=name, evaluator=_test_time(dict(cfg.test_evaluator)))
    if with_model:
        parts['model'] = _test_time(cfg.model.to_dict())
    else:
        pipeline = [{
            k: v
            for k, v in step.items() if k != 'input_size'
        } for step in pipeline]
    parts['pipeline'] = pipeline
    return json.dumps(parts, sort_keys=True, default=str)


def _on_one_image():
    """The configs that run on one image: all but those whose test-time
    signature is, per pipeline (but its input size) and evaluator, that of
    the config with the shortest name (multi-scale tests never run on every
    image)."""
    every = {}
    for path in sorted(FOUND, key=lambda p: (len(osp.basename(p)), p)):
        name, cfg = FOUND[path]
        if not is_multiscale(cfg):
            every.setdefault(
                signature(cfg, name, with_model=False), SIGNATURES[path])
    full = set(every.values())
    return {path for path in FOUND if SIGNATURES[path] not in full}


def at_zero_thresholds(cfg):
    """Keep every candidate of a random-weight model."""
    test_cfg = cfg.model.test_cfg
    if 'score_thr' in test_cfg:
        test_cfg.score_thr = 0.0
    decoder = cfg.model.head.get('decoder')
    if decoder is not None and 'decode_keypoint_thr' in decoder:
        decoder.decode_keypoint_thr = 0.0
    return cfg


class _Collect(Hook):
    """The data samples the model predicted, in test order."""

    def __init__(self):
        self.samples = []

    def after_test_iter(self,
                        runner,
                        batch_idx,
                        data_batch=None,
                        outputs=None):
        self.samples.extend(outputs)


def one_image_annotations(shared_data, name, work_dir):
    """An annotation file of the real samples of ``name`` reduced to their
    first non-square image."""
    folder, ann_file = REAL_SAMPLES[name]
    with open(osp.join(shared_data, folder, ann_file)) as f:
        data = json.load(f)
    image = next(i for i in data['images'] if i['width'] != i['height'])
    data['images'] = [image]
    data['annotations'] = [
        a for a in data['annotations'] if a['image_id'] == image['id']
    ]
    path = osp.join(work_dir, 'one_image.json')
    with open(path, 'w') as f:
        json.dump(data, f)
    return path


def is_multiscale(cfg):
    return bool(cfg.model.get('test_cfg', {}).get('multiscale_test'))


def run_test(path, name, shared_data, work_dir):
    """tools/test.py on the real samples (or one of them, see the module's
    docstring), from a saved checkpoint of random weights: (metrics,
    predicted data samples)."""
    cfg = Config.fromfile(osp.join(REPO, path))
    use_real_samples(cfg, shared_data, name)
    if path in ON_ONE_IMAGE:
        ann_file = one_image_annotations(shared_data, name, work_dir)
        cfg.test_dataloader.dataset.ann_file = ann_file
        cfg.test_evaluator.ann_file = ann_file
    at_zero_thresholds(cfg)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    checkpoint = osp.join(work_dir, 'random.pth')
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    cfg.merge_from_dict(
        dict(
            load_from=checkpoint,
            work_dir=work_dir,
            launcher='none',
            experiment_name=osp.basename(work_dir)))
    runner = build_runner(cfg, phase='test')
    collect = _Collect()
    runner.register_hook(collect)
    metrics = runner.test()
    return metrics, collect.samples


# each config's test-time signature, the key of the runs it shares
SIGNATURES = {
    path: signature(cfg, name)
    for path, (name, cfg) in FOUND.items()
}
ON_ONE_IMAGE = _on_one_image()


@pytest.fixture(scope='module')
def runs():
    """Test-time signature -> (metrics, samples) of its first config."""
    return {}


def test_real_configs_were_found():
    by_method = {}
    for path, name in REAL_CONFIGS.items():
        by_method.setdefault(path.split('/')[1], set()).add(name)
    for method in ('directpose', 'rtmo', 'swahr'):
        assert by_method.get(method) == {'coco', 'crowdpose'}, method
    assert len(REAL_CONFIGS) >= 25
    # the plain configs carry their pipelines onto every image
    for path in (
            'configs/directpose/directpose_r50_fpn_8xb4-180k_coco-'
            '800x800.py', 'configs/rtmo/rtmo-s_8xb32-600e_coco-640x640.py',
            'configs/swahr/ae_higherhrnet-w32_4xb20-300e_coco-512x512.py'):
        assert path not in ON_ONE_IMAGE, path
    for path in ('configs/directpose/directpose-bbox_r50_fpn_8xb4-180k_coco-'
                 '800x800.py', 'configs/directpose/directpose_r50_fpn_8xb4-'
                 '180k_coco-800x800_ms-test.py',
                 'configs/swahr/ae_higherhrnet-w48_8xb10-300e_coco-'
                 '640x640.py'):
        assert path in ON_ONE_IMAGE, path


@pytest.mark.slow
@pytest.mark.parametrize('path', sorted(REAL_CONFIGS))
def test_config_tests_on_the_real_images(path, runs, shared_data,
                                         tmp_path_factory):
    name = REAL_CONFIGS[path]
    key = SIGNATURES[path]
    if key not in runs:
        work_dir = str(tmp_path_factory.mktemp(osp.basename(path)[:-3]))
        runs[key] = run_test(path, name, shared_data, work_dir)
    metrics, samples = runs[key]

    folder, ann_file = REAL_SAMPLES[name]
    with open(osp.join(shared_data, folder, ann_file)) as f:
        images = [img for img in json.load(f)['images']]
    if path in ON_ONE_IMAGE:
        images = [i for i in images if i['width'] != i['height']][:1]
    assert sorted(s.metainfo['img_id']
                  for s in samples) == sorted(i['id'] for i in images)
    num_keypoints = 14 if name == 'crowdpose' else 17
    for sample in samples:
        pred = sample.pred_instances
        kpts = np.asarray(pred.keypoints)
        assert kpts.ndim == 3 and kpts.shape[1:] == (num_keypoints, 2)
        assert len(kpts) > 0, 'no person predicted at score threshold 0'
        assert np.isfinite(kpts).all() and np.isfinite(
            pred.keypoint_scores).all()
        # in the original image's pixels, give or take a person's reach
        height, width = sample.metainfo['ori_shape']
        assert (np.abs(kpts) < 3 * max(height, width)).all()
    ap = [v for k, v in metrics.items() if k.endswith('/AP')]
    assert len(ap) == 1 and all(math.isfinite(v)
                                for v in metrics.values()), metrics


# one full-size config of each model family, trained for one iteration
FAMILIES = {
    'DirectPose R-50':
    'configs/directpose/directpose_r50_fpn_8xb4-180k_coco-800x800.py',
    'DirectPose-DCC':
    'configs/directpose/directpose-dcc_r50_fpn_8xb4-180k_coco-800x800.py',
    'SWAHR W32': 'configs/swahr/swahr_higherhrnet-w32_4xb20-300e_coco-'
    '512x512.py',
    'RTMO-s': 'configs/rtmo/rtmo-s_8xb32-600e_coco-640x640.py',
}
INPUT_SIZES = {
    'DirectPose R-50': (800, 800),
    'DirectPose-DCC': (800, 800),
    'SWAHR W32': (512, 512),
    'RTMO-s': (640, 640),
}


@pytest.mark.slow
@pytest.mark.parametrize('family', FAMILIES)
def test_one_training_iteration_on_a_real_image(family, shared_data):
    """The config's own train pipeline (augmentation at the full input
    size), losses and optimiser: one step changes the weights, and every
    loss is finite."""
    from mmengine.dataset import pseudo_collate
    from mmengine.logging import MessageHub
    from mmengine.model import revert_sync_batchnorm
    from mmengine.optim import build_optim_wrapper
    from mmpose.registry import DATASETS

    cfg = Config.fromfile(osp.join(REPO, FAMILIES[family]))
    use_real_samples(cfg, shared_data, 'coco')
    torch.manual_seed(0)
    np.random.seed(0)
    model = revert_sync_batchnorm(MODELS.build(cfg.model))  # as the Runner
    model.init_weights()
    model.train()
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    data = pseudo_collate([dataset[3]])  # the image with 5 persons
    assert tuple(data['inputs'][0].shape[1:]) == INPUT_SIZES[family][::-1]
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    # RTMO's batch resizing reads the iteration, as the Runner sets it
    MessageHub.get_current_instance().update_info('iter', 0)
    losses = model.train_step(data, optim_wrapper)
    assert losses and all(torch.isfinite(v) for v in losses.values())
    changed = [
        n for n, p in model.named_parameters()
        if not torch.equal(p.detach(), before[n])
    ]
    assert any(n.startswith('backbone.') for n in changed)
    assert any(n.startswith('head.') for n in changed)


# one full-size config of each method, through the demo as a user types it
DEMO_CONFIGS = {
    'directpose':
    'configs/directpose/directpose_r50_fpn_8xb4-180k_coco-800x800.py',
    'rtmo': 'configs/rtmo/rtmo-s_8xb32-600e_coco-640x640.py',
    'swahr': 'configs/swahr/swahr_higherhrnet-w32_4xb20-300e_coco-'
    '512x512.py',
}


@pytest.mark.slow
@pytest.mark.parametrize('method', DEMO_CONFIGS)
def test_demo_on_a_real_image(method, shared_data, tmp_path):
    import subprocess
    import sys

    import cv2

    config = DEMO_CONFIGS[method]
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    model.init_weights()
    checkpoint = tmp_path / 'random.pth'
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    image = osp.join(shared_data, 'coco', '000000197388.jpg')  # 640x392
    out_file = tmp_path / 'drawn.jpg'
    proc = subprocess.run([
        sys.executable, 'demo/image_demo.py', config,
        str(checkpoint), image, '--out-file',
        str(out_file), '--device', 'cpu'
    ],
                          cwd=REPO,
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'person(s) predicted' in proc.stdout
    assert cv2.imread(str(out_file)).shape == cv2.imread(image).shape
