"""demo/image_demo.py draws each method's predictions on an image (no
display), and draw_predictions draws skeletons and person scores."""
import glob
import json
import os.path as osp
import shutil
import sys
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from conftest import TINY_RTMO, load_script, save_initial_weights
from mmengine.config import Config
from mmengine.structures import InstanceData
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from directpose.apis import draw_predictions
from directpose.deploy import export_onnx
from directpose.evaluation import validate_results

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
    return load_script(repo_root, 'demo/image_demo.py')


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


@pytest.fixture(scope='module')
def rtmo_checkpoint(tmp_path_factory, repo_root):
    """The tiny 128x128 RTMO with its initial weights, which find persons
    (scores above its threshold of 0.05), and its ONNX export."""
    config = osp.join(repo_root, TINY_RTMO)
    tmp = tmp_path_factory.mktemp('demo_rtmo')
    checkpoint = save_initial_weights(repo_root, TINY_RTMO, tmp / 'rtmo.pth')
    onnx_file = export_onnx(
        config, checkpoint, str(tmp / 'rtmo.onnx'), dynamic_batch=True)
    return config, checkpoint, onnx_file


def run_on_folder(demo, model_file, config, images, tmp_path, capsys):
    """The demo on a folder of ``images`` with batches of 2: its
    results.json, after checking what it wrote."""
    folder = tmp_path / 'images'
    folder.mkdir(parents=True)
    for image in images:
        shutil.copy(image, folder)
    (folder / 'notes.txt').write_text('not an image')
    out_dir = tmp_path / 'drawn'
    demo.main([
        config, model_file,
        str(folder), '--out-dir',
        str(out_dir), '--batch-size', '2', '--device', 'cpu'
    ])
    captured = capsys.readouterr()
    assert f'in {len(images)} image(s)' in captured.out
    assert f'{len(images)}/{len(images)}' in captured.err  # progress bar
    names = sorted(osp.basename(image) for image in images)
    assert sorted(p.name for p in out_dir.glob('*.jpg')) == names
    for name in names:
        assert cv2.imread(str(out_dir / name)).shape == (128, 128, 3)
    results = json.loads((out_dir / 'results.json').read_text())
    # COCO's keypoint results, image ids from the numeric file names
    ids = {int(osp.splitext(name)[0]) for name in names}
    validate_results(results, ids, 17, max_dets=None)
    assert results and {r['image_id'] for r in results} <= ids
    assert {r['file_name'] for r in results} <= set(names)
    return results


def test_demo_folder_in_batches_with_either_backend(demo, rtmo_checkpoint,
                                                    synthetic_coco, tmp_path,
                                                    capsys):
    config, checkpoint, onnx_file = rtmo_checkpoint
    images = sorted(glob.glob(osp.join(synthetic_coco, 'val', '*.jpg')))[:3]
    results = [
        run_on_folder(demo, model_file, config, images, tmp_path / name,
                      capsys)
        for name, model_file in (('pytorch', checkpoint), ('onnx', onnx_file))
    ]
    assert len(results[0]) == len(results[1])
    for ref, ours in zip(*results):
        assert ours['image_id'] == ref['image_id']
        np.testing.assert_allclose(
            ours['keypoints'], ref['keypoints'], atol=1e-2)
        assert ours['score'] == pytest.approx(ref['score'], abs=1e-4)


def test_demo_folder_errors(demo, rtmo_checkpoint, tmp_path):
    config, checkpoint, _ = rtmo_checkpoint
    with pytest.raises(SystemExit, match='is a folder without image files'):
        demo.main([config, checkpoint, str(tmp_path)])
    with pytest.raises(SystemExit, match='--batch-size must be 1 or more'):
        demo.main([config, checkpoint, str(tmp_path), '--batch-size', '0'])
    with pytest.raises(SystemExit, match='not found'):
        demo.main([config, checkpoint, str(tmp_path / 'missing')])


def test_image_ids_from_names(demo):
    assert demo.image_ids(['a/000000000139.jpg', 'b/42.png']) == [139, 42]
    assert demo.image_ids(['a/x.jpg', 'a/7.jpg']) == [0, 1]
