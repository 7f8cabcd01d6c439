"""Every config in configs/ reads and builds its model; no dataset config
shadows the mmpose metainfo files that mmpose looks up by relative path."""
import glob
import os
import os.path as osp

import pytest
from mmengine.config import Config
from mmpose.registry import MODELS

from directpose.study import load_study

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    osp.relpath(p, REPO) for p in glob.glob(
        osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p)
STUDIES = [p for p in CONFIGS if p.startswith('configs/studies/')]
MODEL_CONFIGS = [p for p in CONFIGS if p not in STUDIES]


def test_configs_were_found():
    # counted another way: every .py of every method folder
    folders = [
        d for d in os.listdir(osp.join(REPO, 'configs'))
        if d not in ('_base_', 'studies')
        and osp.isdir(osp.join(REPO, 'configs', d))
    ]
    expected = sum(
        f.endswith('.py') for d in folders
        for f in os.listdir(osp.join(REPO, 'configs', d)))
    assert len(MODEL_CONFIGS) == expected and expected > 40
    assert len(STUDIES) == len(
        glob.glob(osp.join(REPO, 'configs/studies/*.py'))) > 0


@pytest.mark.parametrize('path', MODEL_CONFIGS)
def test_config_builds_its_model(path, monkeypatch):
    monkeypatch.chdir(REPO)
    cfg = Config.fromfile(path)
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0


@pytest.mark.parametrize('path', STUDIES)
def test_study_reads_and_names_existing_configs(path, monkeypatch):
    monkeypatch.chdir(REPO)
    study = load_study(path)
    assert study.methods
    for method in study.methods:
        assert osp.isfile(method.config), (path, method.name)
        assert method.config in MODEL_CONFIGS or osp.relpath(
            method.config, REPO) in MODEL_CONFIGS, method.config


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
