"""demo/image_demo.py draws each method's predictions on an image (no
display), and draw_predictions draws skeletons and person scores."""
import glob
import importlib.util
import os.path as osp
import sys
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from directpose.apis import draw_predictions

TINY_CONFIGS = {
    'directpose':
    'configs/directpose/directpose_r18-tiny_fpn_1xb8-40e_synthetic-coco-'
    '256x256.py',
    'rtmo':
    'configs/rtmo/rtmo-tiny_1xb8-30e_synthetic-coco-256x256.py',
    'swahr':
    'configs/swahr/swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-'
    '128x128.py',
}


@pytest.fixture(scope='module')
def demo(repo_root):
    spec = importlib.util.spec_from_file_location(
        'image_demo', osp.join(repo_root, 'demo/image_demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# settings under which untrained weights still predict persons (no person
# score or keypoint threshold), a few, so that drawing them is quick
KEEP_A_FEW = {
    'directpose':
    'model = dict(test_cfg=dict(score_thr=0.0, max_per_img=5))',
    'rtmo':
    'model = dict(test_cfg=dict(score_thr=0.0, nms_pre=5))',
    'swahr':
    'model = dict(head=dict(decoder=dict(decode_keypoint_thr=0.0, '
    'decode_max_instances=5)))',
}


@pytest.mark.parametrize('method', sorted(TINY_CONFIGS))
def test_demo_draws_an_image(method, demo, repo_root, synthetic_coco, tmp_path,
                             monkeypatch, capsys):
    config = tmp_path / f'{method}.py'
    base = osp.join(repo_root, TINY_CONFIGS[method])
    config.write_text(f'_base_ = [{base!r}]\n{KEEP_A_FEW[method]}\n')
    model = MODELS.build(Config.fromfile(str(config)).model)
    model.init_weights()
    checkpoint = tmp_path / f'{method}.pth'
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    image = sorted(glob.glob(osp.join(synthetic_coco, 'val', '*')))[0]
    out_file = tmp_path / 'drawn.png'  # lossless: only drawn pixels differ
    monkeypatch.chdir(repo_root)
    monkeypatch.setattr(sys, 'argv', [
        'image_demo.py',
        str(config),
        str(checkpoint), image, '--out-file',
        str(out_file), '--device', 'cpu', '--kpt-thr', '0'
    ])
    demo.main()
    out = capsys.readouterr().out
    persons = int(out.split(' person(s) predicted')[0].split()[-1])
    assert persons > 0, out
    drawn, original = cv2.imread(str(out_file)), cv2.imread(image)
    assert drawn.shape == original.shape
    changed = (drawn != original).any(axis=2).sum()
    assert changed > 17 * persons, 'skeletons and scores are drawn'


@pytest.mark.parametrize(
    'make, message', [
        (lambda p: p.mkdir(), 'is a folder without image files'),
        (lambda p: p.write_text('hello'), 'is not an image file'),
        (lambda p: p.write_bytes(b''), 'is an empty file'),
    ],
    ids=['empty folder', 'text file', 'empty file'])
def test_demo_names_bad_input_before_building_a_model(demo, tmp_path,
                                                      monkeypatch, make,
                                                      message):
    bad = tmp_path / 'input.jpg'
    make(bad)
    monkeypatch.setattr(demo, 'init_model',
                        lambda *a, **k: pytest.fail('model was built'))
    monkeypatch.setattr(sys, 'argv',
                        ['image_demo.py', 'config.py', 'ckpt.pth',
                         str(bad)])
    with pytest.raises(SystemExit, match=message) as info:
        demo.main()
    assert str(bad) in str(info.value)


def fake_model():
    meta = parse_pose_metainfo(
        dict(from_file='configs/_base_/datasets/coco.py'))
    return SimpleNamespace(cfg=Config(dict()), dataset_meta=meta)


def sample_with_one_person():
    keypoints = np.stack([np.linspace(40, 160, 17),
                          np.linspace(30, 170, 17)],
                         axis=-1)
    instances = InstanceData(
        keypoints=keypoints[None],
        keypoint_scores=np.full((1, 17), 0.9),
        bbox_scores=np.array([0.87]))
    return PoseDataSample(pred_instances=instances)


def test_draw_predictions_draws_keypoints_links_and_scores(
        repo_root, monkeypatch):
    monkeypatch.chdir(repo_root)
    image = np.zeros((200, 200, 3), dtype=np.uint8)
    model, sample = fake_model(), sample_with_one_person()
    plain = draw_predictions(model, image, sample, show_scores=False)
    assert plain.shape == image.shape
    x, y = sample.pred_instances.keypoints[0, 8].astype(int)
    assert plain[y, x].any()  # a keypoint is drawn
    assert (plain.sum(axis=2) > 0).sum() > 17 * 9  # and more: the links
    scored = draw_predictions(model, image, sample)
    assert (scored != plain).any()  # the score label
    hidden = draw_predictions(model, image, sample, kpt_thr=0.95)
    assert not hidden.any()  # nothing above the threshold
