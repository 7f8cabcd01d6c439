"""The model zoo metadata: OpenMMLab's format (model-index.yml importing one
metafile.yml per method folder), every config listed once and building,
weights only where a checkpoint really exists, with its hash recorded."""
import glob
import os.path as osp
import re

import pytest
import torch
import yaml
from mmengine.config import Config
from mmpose.registry import MODELS

from directpose.apis import load_model_zoo, resolve_checkpoint, resolve_config
from directpose.utils import ChecksumError, hash_prefix_from_name, sha256sum

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
INDEX = osp.join(REPO, 'model-index.yml')


def read(path):
    with open(osp.join(REPO, path)) as f:
        return yaml.safe_load(f)


METAFILES = read('model-index.yml')['Import']
MODELS_LISTED = [(metafile, model) for metafile in METAFILES
                 for model in read(metafile)['Models']]
# model configs: every method folder (studies/ lists other configs)
CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '*', '*.py'))
    if osp.basename(osp.dirname(p)) not in ('_base_', 'studies'))


def test_index_imports_one_metafile_per_method_folder():
    assert sorted(METAFILES) == sorted(
        osp.relpath(p, REPO)
        for p in glob.glob(osp.join(REPO, 'configs/*/metafile.yml')))
    assert {
        'configs/directpose/metafile.yml', 'configs/rtmo/metafile.yml',
        'configs/swahr/metafile.yml'
    } <= set(METAFILES)


@pytest.mark.parametrize('metafile', METAFILES)
def test_metafile_format(metafile):
    data = read(metafile)
    collections = {c['Name']: c for c in data['Collections']}
    for collection in collections.values():
        assert collection['Paper']['Title']
        assert collection['Paper']['URL'].startswith('https://arxiv.org/')
        assert osp.isfile(osp.join(REPO, collection['README']))
    for model in data['Models']:
        assert model['In Collection'] in collections, model['Name']
        assert isinstance(model['Metadata']['Architecture'], list)
        assert model['Metadata']['Training Data']
        assert isinstance(model['Results'], list), model['Name']
        for result in model['Results']:
            assert result['Task'] == 'Body 2D Keypoint'
            assert result['Dataset'] in ('COCO', 'COCO test-dev', 'CrowdPose')
            assert result['Metrics'], model['Name']
            for name, value in result['Metrics'].items():
                assert 0 < value < 1, (model['Name'], name)
            if result['Dataset'] == 'CrowdPose':
                assert 'AP (L)' not in result['Metrics']  # easy/medium/HARD
        if model['Results']:
            assert model.get('Results Source'), model['Name']


def test_every_config_is_listed_once():
    listed = [model['Config'] for _, model in MODELS_LISTED]
    assert sorted(listed) == CONFIGS
    for _, model in MODELS_LISTED:
        assert model['Name'] == osp.splitext(osp.basename(model['Config']))[0]


@pytest.mark.parametrize('config',
                         [model['Config'] for _, model in MODELS_LISTED])
def test_listed_config_builds(config, monkeypatch):
    monkeypatch.chdir(REPO)
    cfg = Config.fromfile(config)
    with torch.device('meta'):  # the structure only, no memory or init
        model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0


@pytest.mark.parametrize(
    'metafile, model',
    MODELS_LISTED,
    ids=[m['Name'] for _, m in MODELS_LISTED])
def test_weights_are_real_or_explained(metafile, model):
    if 'Weights' not in model:
        # no invented link: the entry says why there is none
        assert model.get('Weights Note'), model['Name']
        assert 'Weights SHA256' not in model
        return
    url = model['Weights']
    assert url.startswith('https://download.openmmlab.com/mmpose/'), url
    prefix = hash_prefix_from_name(url)
    assert prefix and len(prefix) == 8, url
    # the full digest is recorded once computed; never a made-up one
    sha256 = model['Weights SHA256']
    assert sha256 is None or (re.fullmatch('[0-9a-f]{64}', sha256)
                              and sha256.startswith(prefix))


def test_methods_without_public_checkpoints_have_no_weights():
    for metafile, model in MODELS_LISTED:
        if model['In Collection'] in ('DirectPose', 'SWAHR', 'HigherHRNet'):
            assert 'Weights' not in model, model['Name']
    for metafile, model in MODELS_LISTED:
        if model['In Collection'] == 'SWAHR' and model['Results']:
            assert 'convert_swahr_checkpoint' in model['Weights Note']


def test_rtmo_metafile_defects_are_fixed():
    zoo = {m['Name']: m for _, m in MODELS_LISTED}
    for size in ('s_8xb32', 'm_16xb16', 'l_16xb16'):
        coco = zoo[f'rtmo-{size}-600e_coco-640x640']
        assert coco['Metadata']['Training Data'] == 'COCO'
        assert coco['Results'][0]['Dataset'] == 'COCO'
        crowd = zoo[f'rtmo-{size}-700e_crowdpose-640x640']
        assert crowd['Metadata']['Training Data'] == 'CrowdPose'
        assert 'AP (H)' in crowd['Results'][0]['Metrics']
    assert zoo['rtmo-s_8xb32-600e_coco-640x640']['Results'][0]['Metrics'][
        'AP'] == 0.677


def test_model_zoo_api_reads_the_index():
    zoo = load_model_zoo(INDEX)
    assert len(zoo) == len(MODELS_LISTED)
    entry = zoo['rtmo-s_8xb32-600e_coco-640x640']
    assert entry.collection == 'RTMO'
    assert entry.weights.endswith('-8db55a59_20231211.pth')
    assert resolve_config(entry.name, INDEX) == osp.join(
        REPO, 'configs/rtmo/rtmo-s_8xb32-600e_coco-640x640.py')


@pytest.mark.parametrize('recorded', ['right', 'wrong'])
def test_a_recorded_digest_is_checked(recorded, tmp_path):
    """Every recorded ``Weights SHA256`` is null so far; the check it will
    get, on a checkpoint and metafile made here (file:// URL)."""
    checkpoint = tmp_path / 'tiny.pth'
    torch.save({'state_dict': {'w': torch.ones(3)}}, checkpoint)
    right = sha256sum(str(checkpoint))
    digest = right if recorded == 'right' else right[::-1]
    (tmp_path / 'metafile.yml').write_text(f"""\
Collections:
- Name: Tiny
Models:
- Name: tiny
  Config: {osp.join(REPO, CONFIGS[0])}
  In Collection: Tiny
  Weights: {checkpoint.as_uri()}
  Weights SHA256: {digest}
""")
    index = tmp_path / 'model-index.yml'
    index.write_text('Import:\n- metafile.yml\n')
    cache = str(tmp_path / 'cache')
    if recorded == 'right':
        path = resolve_checkpoint('tiny', cache, str(index), progress=False)
        assert sha256sum(path) == right
        return
    with pytest.raises(ChecksumError) as info:
        resolve_checkpoint('tiny', cache, str(index), progress=False)
    assert f'sha256 {right} does not match the expected {digest}' in str(
        info.value)
    assert not glob.glob(osp.join(cache, '**', '*.pth'), recursive=True)
