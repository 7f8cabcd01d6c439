"""Shared fixtures. ``import directpose`` comes first: it makes mmcv.ops
importable on mmcv-lite before any test imports mmpose.models.

The tests import the package of the checkout they are in, and so do the
tools they start, even when the environment's editable install points at
another checkout (a git worktree sharing a virtual environment)."""
import copy
import os
import os.path as osp
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
_PACKAGE_ROOT = osp.join(REPO_ROOT, 'projects')
sys.path.insert(0, _PACKAGE_ROOT)
os.environ['PYTHONPATH'] = os.pathsep.join(
    p for p in (_PACKAGE_ROOT, os.environ.get('PYTHONPATH')) if p)

# isort: split
import pytest  # noqa: E402
from mmpose.utils import register_all_modules  # noqa: E402

import directpose  # noqa: F401,E402

# registry look-ups by name (transforms, models) resolve in mmpose's scope
register_all_modules(init_default_scope=True)

SHARED_DATA = osp.join(osp.dirname(REPO_ROOT), 'shared', 'data')


@pytest.fixture(scope='session')
def repo_root():
    return REPO_ROOT


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
