"""``directpose.apis.init_model`` takes model-zoo names and URLs like paths:
downloaded into the cache, verified, then loaded weights-only."""
import hashlib
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

from directpose.apis import init_model, resolve_checkpoint
from directpose.engine import UnsafeCheckpointError
from directpose.utils import CheckpointNotFoundError, cached_path

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(
    REPO, 'configs/directpose/directpose_r18-tiny_fpn_1xb8-40e_synthetic-coco-'
    '256x256.py')


class NotAWeight:
    """Pickled by reference: loading it would import and run code."""


def publish(tmp_path, payload, stem):
    """Save like OpenMMLab: ``<stem>-<sha256[:8]>_<date>.pth``."""
    raw = tmp_path / 'raw.pth'
    torch.save(payload, raw)
    sha = hashlib.sha256(raw.read_bytes()).hexdigest()
    path = tmp_path / f'{stem}-{sha[:8]}_20240101.pth'
    raw.rename(path)
    return path


@pytest.fixture(scope='module')
def zoo(tmp_path_factory):
    """A model index with a downloadable tiny DirectPose (file:// URL), one
    entry without weights and one whose file holds a non-weight object."""
    tmp_path = tmp_path_factory.mktemp('zoo')
    model = MODELS.build(Config.fromfile(CONFIG).model)
    state = {
        k: torch.randn_like(v) if v.is_floating_point() else v
        for k, v in model.state_dict().items()
    }
    good = publish(tmp_path, {'state_dict': state}, 'tiny')
    unsafe = publish(tmp_path, {
        'state_dict': state,
        'meta': NotAWeight()
    }, 'unsafe')
    (tmp_path / 'metafile.yml').write_text(f"""\
Collections:
- Name: DirectPose
Models:
- Name: tiny
  Config: {CONFIG}
  In Collection: DirectPose
  Weights: {good.as_uri()}
- Name: tiny-unsafe
  Config: {CONFIG}
  In Collection: DirectPose
  Weights: {unsafe.as_uri()}
- Name: tiny-unpublished
  Config: {CONFIG}
  In Collection: DirectPose
  Weights Note: no public checkpoint exists
""")
    index = tmp_path / 'model-index.yml'
    index.write_text('Import:\n- metafile.yml\n')
    return dict(index=str(index), state=state, url=good.as_uri())


def assert_loaded(model, state):
    for key, value in model.state_dict().items():
        assert torch.equal(value.cpu(), state[key]), key


def test_init_model_by_name(zoo, tmp_path):
    model = init_model(
        'tiny',
        'tiny',
        device='cpu',
        cache_dir=str(tmp_path),
        index_file=zoo['index'])
    assert_loaded(model, zoo['state'])
    assert model.dataset_meta['num_keypoints'] == 17
    assert not model.training


def test_init_model_by_url(zoo, tmp_path):
    model = init_model(
        CONFIG, zoo['url'], device='cpu', cache_dir=str(tmp_path))
    assert_loaded(model, zoo['state'])
    assert osp.isfile(cached_path(zoo['url'], str(tmp_path)))  # cached


def test_downloaded_files_load_weights_only(zoo, tmp_path):
    with pytest.raises(UnsafeCheckpointError, match='NotAWeight'):
        init_model(
            'tiny',
            'tiny-unsafe',
            device='cpu',
            cache_dir=str(tmp_path),
            index_file=zoo['index'])


def test_unpublished_and_unknown_names(zoo, tmp_path):
    with pytest.raises(
            CheckpointNotFoundError, match='no public checkpoint exists'):
        resolve_checkpoint('tiny-unpublished', str(tmp_path), zoo['index'])
    with pytest.raises(CheckpointNotFoundError, match='did you mean tiny'):
        resolve_checkpoint('tinny', str(tmp_path), zoo['index'])
    with pytest.raises(FileNotFoundError, match='neither a config'):
        init_model('no-such-model', device='cpu', index_file=zoo['index'])
