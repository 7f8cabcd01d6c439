"""Shared fixtures. ``import directpose`` comes first: it makes mmcv.ops
importable on mmcv-lite before any test imports mmpose.models.

The tests import the package of the checkout they are in, and so do the
tools they start, even when the environment's editable install points at
another checkout (a git worktree sharing a virtual environment)."""
import copy
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
_PACKAGE_ROOT = osp.join(REPO_ROOT, 'projects')
sys.path.insert(0, _PACKAGE_ROOT)
os.environ['PYTHONPATH'] = os.pathsep.join(
    p for p in (_PACKAGE_ROOT, os.environ.get('PYTHONPATH')) if p)

# isort: split
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmpose.registry import MODELS  # noqa: E402
from mmpose.utils import register_all_modules  # noqa: E402

import directpose  # noqa: F401,E402
from directpose.engine.cpu_threads import user_thread_count  # noqa: E402

# registry look-ups by name (transforms, models) resolve in mmpose's scope
register_all_modules(init_default_scope=True)

SHARED_DATA = osp.join(osp.dirname(REPO_ROOT), 'shared', 'data')

# Under pytest-xdist (tools/run_tests.sh runs two workers) each worker and
# the tools it starts use one intra-op thread: two 2-thread OpenMP teams on
# two cores spin at their barriers while the other holds a core, up to 19
# times slower (directpose.engine.cpu_threads). A thread count the caller
# set wins; tests of the thread policy set their own.
if os.environ.get('PYTEST_XDIST_WORKER'):
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    torch.set_num_threads(user_thread_count()[0])


@pytest.fixture(scope='session')
def repo_root():
    return REPO_ROOT


def load_script(repo_root, path):
    """The command-line script ``path`` (tools/, demo/) as a module, its
    ``__main__`` block not run: its functions, ``main()`` included, run in
    the test's process (no second interpreter start-up)."""
    spec = importlib.util.spec_from_file_location(
        osp.splitext(osp.basename(path))[0], osp.join(repo_root, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def shared_data():
    """The real COCO and CrowdPose samples in ``../shared/data``."""
    if not osp.isdir(SHARED_DATA):
        pytest.skip(f'real-data samples not found at {SHARED_DATA}')
    return SHARED_DATA


@pytest.fixture(scope='session')
def synthetic_coco(tmp_path_factory):
    """A tiny synthetic-coco (`easy`) dataset: its root directory."""
    from directpose.datasets.synthetic import make_synthetic_dataset
    root = tmp_path_factory.mktemp('synthetic-coco-easy')
    make_synthetic_dataset(
        str(root), preset='easy', fmt='coco', num_train=8, num_val=4)
    return str(root)


@pytest.fixture(scope='session')
def synthetic_crowdpose(tmp_path_factory):
    """A tiny synthetic-crowdpose (`standard`) dataset: its root directory."""
    from directpose.datasets.synthetic import make_synthetic_dataset
    root = tmp_path_factory.mktemp('synthetic-crowdpose-standard')
    make_synthetic_dataset(
        str(root), preset='standard', fmt='crowdpose', num_train=4, num_val=12)
    return str(root)


# the arguments of a small DCC (directpose.models.layers.DCC, RTMO's
# coordinate classifier): 32-channel pose vectors, 24x32 bins, a 16-wide GAU;
# tests build it with dict(type='DCC', **SMALL_DCC) or change a copy
SMALL_DCC = dict(
    in_channels=32,
    feat_channels=16,
    num_bins=(24, 32),
    spe_channels=16,
    gau_cfg=dict(
        s=16,
        expansion_factor=2,
        dropout_rate=0.0,
        drop_path=0.0,
        act_fn='SiLU',
        pos_enc='add'))


@pytest.fixture
def small_dcc():
    """A copy of ``SMALL_DCC`` that the test may change."""
    return copy.deepcopy(SMALL_DCC)


def point_config_at(root, batch_size=2, max_epochs=1):
    """``--cfg-options`` that train and evaluate a synthetic config on the
    dataset in ``root``, quickly, in the main process."""
    opts = [
        f'train_cfg.max_epochs={max_epochs}',
        f'train_cfg.val_interval={max_epochs}',
        f'train_dataloader.batch_size={batch_size}',
        'default_hooks.checkpoint.interval=1',
        'default_hooks.logger.interval=1',
        f'val_evaluator.ann_file={root}/annotations/val.json',
        f'test_evaluator.ann_file={root}/annotations/val.json',
    ]
    for loader in ('train', 'val', 'test'):
        opts += [
            f'{loader}_dataloader.dataset.data_root={root}',
            f'{loader}_dataloader.num_workers=0',
            f'{loader}_dataloader.persistent_workers=False',
        ]
    return opts


#: the tiny configs the deployment tests train (128x128 synthetic-coco)
TINY_RTMO = 'configs/rtmo/rtmo-tiny_1xb8-30e_synthetic-coco-128x128.py'
TINY_SWAHR = ('configs/swahr/'
              'swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py')

#: the tiny DirectPose variants (initial weights: see spread_weights)
TINY_DIRECTPOSE = {
    variant: f'configs/directpose/{name}_r18-tiny_fpn_1xb8-{schedule}'
    for variant, name, schedule in [
        ('kpalign', 'directpose', '30e_synthetic-coco-128x128.py'),
        ('dcc', 'directpose-dcc', '40e_synthetic-coco-256x256.py'),
        ('conv', 'directpose-no-kpalign', '40e_synthetic-coco-256x256.py'),
    ]
}


def save_initial_weights(repo_root, config, path, seed=0):
    """A checkpoint of ``config``'s model as initialised with ``seed``;
    returns its path. The tiny RTMO's initial weights find persons (scores
    above its threshold of 0.05), unlike what it becomes after the few
    dozen iterations a test can afford, when every score is near 0.01."""
    torch.manual_seed(seed)
    model = MODELS.build(Config.fromfile(osp.join(repo_root, config)).model)
    model.init_weights()
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path)


def spread_weights(repo_root, config, path):
    """Initial weights with the per-level factors of the keypoint offsets
    raised 300-fold and those of the box distances 10-fold: the persons'
    boxes span much of the image and overlap, so NMS suppresses some and
    the images keep different numbers of persons (initial offsets and
    distances are near zero: every box would be a point, and NMS would keep
    all)."""
    save_initial_weights(repo_root, config, path)
    checkpoint = torch.load(path)
    state = checkpoint['state_dict']
    for key in state:
        if key.startswith('head.kpt_predictor.scales.'):
            state[key] = state[key] * 300
        elif key.startswith('head.bbox_scales.'):
            state[key] = state[key] * 10
    torch.save(checkpoint, path)
    return str(path)


@pytest.fixture(scope='session')
def trained_swahr(tmp_path_factory, repo_root, synthetic_coco):
    """The tiny 128x128 SWAHR trained for 64 iterations (batch 8) on
    ``synthetic_coco`` through tools/train.py, enough for its heatmaps to
    have peaks that group into persons: (config, checkpoint)."""
    work_dir = str(tmp_path_factory.mktemp('trained_swahr'))
    epochs = 64  # one iteration each
    opts = [
        o for o in point_config_at(synthetic_coco, 8, epochs)
        if not o.startswith('val_')
    ] + [
        f'default_hooks.checkpoint.interval={epochs}',
        'default_hooks.checkpoint.save_best=None',
        'default_hooks.logger.interval=8', 'val_cfg=None',
        'val_dataloader=None', 'val_evaluator=None'
    ]
    cmd = [
        sys.executable, 'tools/train.py', TINY_SWAHR, '--work-dir', work_dir,
        '--cfg-options', *opts
    ]
    proc = subprocess.run(
        cmd, cwd=repo_root, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return TINY_SWAHR, osp.join(work_dir, f'epoch_{epochs}.pth')


def assert_same_predictions(expected, actual):
    """The same persons in two lists of ``PoseDataSample``: keypoints (and
    boxes) within 1e-2 pixels, keypoint and person scores within 1e-4.

    Persons come by decreasing score; those whose scores are within 1e-4 of
    each other may come in either order (a difference of 1e-7 decides), so
    each is matched to the closest one of about the same score.
    """
    assert len(expected) == len(actual)
    for ref, ours in zip(expected, actual):
        ref, ours = ref.pred_instances, ours.pred_instances
        assert len(ref) == len(ours)
        order = _match_persons(ref, ours)
        np.testing.assert_allclose(
            ours.keypoints, ref.keypoints[order], atol=1e-2)
        for key in ('keypoint_scores', 'keypoints_visible', 'bbox_scores'):
            np.testing.assert_allclose(ours[key], ref[key][order], atol=1e-4)
        if 'bboxes' in ref:
            np.testing.assert_allclose(
                ours.bboxes, ref.bboxes[order], atol=1e-2)


def _match_persons(ref, ours):
    """For each person of ``ours``, the index of the person of ``ref`` with
    a score within 1e-4 and the closest keypoints (each used once)."""
    order, unused = [], set(range(len(ref)))
    for score, keypoints in zip(ours.bbox_scores, ours.keypoints):
        ties = [j for j in unused if abs(ref.bbox_scores[j] - score) <= 1e-4]
        assert ties, f'no person scored {score} in {ref.bbox_scores}'
        best = min(
            ties, key=lambda j: np.abs(ref.keypoints[j] - keypoints).max())
        order.append(best)
        unused.remove(best)
    return np.array(order, dtype=np.int64)


# the real samples of each dataset in ../shared/data: folder, annotations
REAL_SAMPLES = {
    'coco': ('coco', 'test_coco.json'),
    'crowdpose': ('crowdpose', 'test_crowdpose.json'),
}


def real_dataset_of(cfg):
    """'coco' or 'crowdpose' for a config of the real datasets (from where
    its test set lives), None for a synthetic or data-less config."""
    if 'test_dataloader' not in cfg:
        return None
    dataset = cfg.test_dataloader.dataset
    where = f"{dataset.get('data_root', '')}/{dataset.get('ann_file', '')}"
    if 'synthetic' in where:
        return None
    for name in ('crowdpose', 'coco'):
        if name in where.lower():
            return name
    return None


def to_original(keypoints, meta):
    """Keypoints from the input to the original image with the metainfo
    ``input_size``, ``input_center`` and ``input_scale``: mmpose's
    BottomupPoseEstimator.add_pred_to_datasample, verbatim."""
    size, center, scale = (
        np.asarray(meta[k])
        for k in ('input_size', 'input_center', 'input_scale'))
    return keypoints / size * scale + center - 0.5 * scale


def use_real_samples(cfg, shared_data, name):
    """Point every dataloader and evaluator of ``cfg`` at the real samples
    of dataset ``name`` (in place), in the main process, and drop
    pretrained-weight downloads."""
    folder, ann_file = REAL_SAMPLES[name]
    root = osp.join(shared_data, folder)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.update(
            data_root=root, ann_file=ann_file, data_prefix=dict(img=''))
        cfg[loader].update(num_workers=0, persistent_workers=False)
    for evaluator in ('val_evaluator', 'test_evaluator'):
        cfg[evaluator].ann_file = osp.join(root, ann_file)
    cfg.model.backbone.init_cfg = None
    return cfg


def pseudo_ground_truth(results, ann_file, out_file):
    """The annotation file with each image's best prediction as its only
    person, so that an untrained model scores a non-trivial AP."""
    with open(ann_file) as f:
        coco = json.load(f)
    coco['annotations'] = []
    for r in results:
        pred = r['pred_instances']
        best = int(np.argmax(pred['bbox_scores']))
        x1, y1, x2, y2 = (float(v) for v in pred['bboxes'][best])
        kpts = pred['keypoints'][best]
        coco['annotations'].append(
            dict(
                id=len(coco['annotations']) + 1,
                image_id=int(r['img_id']),
                category_id=1,
                keypoints=[float(v) for xy in kpts for v in (xy[0], xy[1], 2)],
                num_keypoints=len(kpts),
                bbox=[x1, y1, x2 - x1, y2 - y1],
                area=max((x2 - x1) * (y2 - y1), 1.0),
                iscrowd=0))
    with open(out_file, 'w') as f:
        json.dump(coco, f)
