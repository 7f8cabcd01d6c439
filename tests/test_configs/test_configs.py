"""Every config in configs/ reads and builds its model; no dataset config
shadows the mmpose metainfo files that mmpose looks up by relative path."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmpose.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    osp.relpath(p, REPO) for p in glob.glob(
        osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p)


def test_configs_were_found():
    assert len(CONFIGS) >= 7


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds_its_model(path, monkeypatch):
    monkeypatch.chdir(REPO)
    cfg = Config.fromfile(path)
    if 'model' not in cfg:  # e.g. a study listing other configs
        return
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0


def test_dataset_configs_do_not_shadow_mmpose_metainfo():
    # mmpose resolves 'configs/_base_/datasets/<name>.py' from the working
    # directory first: a dataset-settings file of ours with such a name
    # would be read as keypoint metainfo.
    import mmpose
    ours = {
        osp.basename(p)
        for p in glob.glob(osp.join(REPO, 'configs/_base_/datasets/*.py'))
    }
    theirs = {
        osp.basename(p)
        for p in glob.glob(
            osp.join(
                osp.dirname(mmpose.__file__),
                '.mim/configs/_base_/datasets/*.py'))
    }
    assert theirs and not ours & theirs
