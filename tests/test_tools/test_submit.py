"""tools/submit.py: a COCO test-dev submission (checked results JSON + zip),
local evaluation of a test set's results file, the ground-truth check in
COCO and CrowdPose modes, and a clear stop on bad predictions."""
import json
import math
import os.path as osp
import subprocess
import sys
import zipfile

import pytest
import torch
from conftest import load_script
from mmengine.config import Config
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import MODELS
from xtcocotools.coco import COCO
from xtcocotools.cocoeval import COCOeval

DIRECTPOSE_TINY = (
    'configs/directpose/'
    'directpose_r18-tiny_fpn_1xb8-40e_synthetic-coco-256x256.py')
RTMO_CROWDPOSE = 'configs/rtmo/rtmo-s_8xb32-700e_crowdpose-640x640.py'
DIRECTPOSE_CROWDPOSE = ('configs/directpose/'
                        'directpose_r50_fpn_8xb4-180k_crowdpose-800x800.py')
LOADER = [
    'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False'
]


def run(repo_root, *args):
    proc = subprocess.run([sys.executable, 'tools/submit.py', *args],
                          cwd=repo_root,
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope='module')
def checkpoint(repo_root, tmp_path_factory):
    model = MODELS.build(
        Config.fromfile(osp.join(repo_root, DIRECTPOSE_TINY)).model)
    model.init_weights()
    path = tmp_path_factory.mktemp('ckpt') / 'directpose_tiny.pth'
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path)


@pytest.fixture(scope='module')
def image_list(synthetic_coco, tmp_path_factory):
    """synthetic-coco's val images as a test-dev style image list."""
    with open(osp.join(synthetic_coco, 'annotations/val.json')) as f:
        info = json.load(f)
    del info['annotations']
    path = tmp_path_factory.mktemp('test-dev') / 'image_info_test.json'
    path.write_text(json.dumps(info))
    return str(path), [image['id'] for image in info['images']]


@pytest.fixture
def submit_module(repo_root):
    return load_script(repo_root, 'tools/submit.py')


def submit(module, repo_root, monkeypatch, capsys, *args):
    """Run the tool's main() in this process (as the CLI would)."""
    monkeypatch.chdir(repo_root)
    monkeypatch.setattr(sys, 'argv', ['submit.py', *args])
    module.main()
    return capsys.readouterr().out


def test_test_dev_submission(repo_root, checkpoint, image_list, synthetic_coco,
                             tmp_path):
    image_file, image_ids = image_list
    proc = run(repo_root, DIRECTPOSE_TINY, checkpoint,
               '--image-list', image_file, '--img-dir',
               osp.join(synthetic_coco, 'val'), '--name',
               'tiny_test', '--out-dir', str(tmp_path), '--work-dir',
               str(tmp_path / 'work'), '--cfg-options', *LOADER,
               # random weights score at the prior 0.01: keep their persons
               'model.test_cfg.score_thr=0.0')
    name = 'person_keypoints_test-dev2017_tiny-test_results'
    results = json.loads((tmp_path / f'{name}.json').read_text())
    assert results, 'the random-weight model predicts persons'
    per_image = {}
    for entry in results:
        assert entry['image_id'] in image_ids
        assert entry['category_id'] == 1
        assert len(entry['keypoints']) == 17 * 3
        assert all(math.isfinite(v) for v in entry['keypoints'])
        per_image[entry['image_id']] = per_image.get(entry['image_id'], 0) + 1
    assert max(per_image.values()) <= 20
    with zipfile.ZipFile(tmp_path / f'{name}.zip') as archive:
        assert archive.namelist() == [f'{name}.json']
    assert f'{name}.zip' in proc.stdout


def test_eval_split_writes_and_evaluates(submit_module, repo_root, checkpoint,
                                         synthetic_coco, tmp_path, monkeypatch,
                                         capsys):
    ann_file = osp.join(synthetic_coco, 'annotations/val.json')
    submit(submit_module, repo_root, monkeypatch, capsys, DIRECTPOSE_TINY,
           checkpoint, '--split', 'eval', '--out-dir', str(tmp_path), '--out',
           str(tmp_path / 'metrics.json'), '--work-dir',
           str(tmp_path / 'work'), '--cfg-options', *LOADER,
           f'test_dataloader.dataset.data_root={synthetic_coco}',
           f'test_evaluator.ann_file={ann_file}',
           'model.test_cfg.score_thr=0.0')  # untrained: keep its persons
    results_file = str(tmp_path / 'person_keypoints_val_directpose-r18-tiny-'
                       'fpn-1xb8-40e-synthetic-coco-256x256_results.json')
    assert json.loads(open(results_file).read()), 'persons are predicted'
    metrics = json.loads((tmp_path / 'metrics.json').read_text())
    # the same numbers as xtcocotools' own evaluation of the written file
    gt = COCO(ann_file)
    coco_eval = COCOeval(
        gt, gt.loadRes(results_file), 'keypoints',
        parse_pose_metainfo(dict(from_file='configs/_base_/datasets/coco.py'))
        ['sigmas'], use_area=True)
    coco_eval.evaluate()
    coco_eval.accumulate()
    coco_eval.summarize()
    expected = dict(zip(('coco/AP', 'coco/AP .5', 'coco/AP .75'),
                        coco_eval.stats[:3]))
    expected['coco/AR'] = coco_eval.stats[5]
    for key, value in expected.items():
        assert metrics[key] == pytest.approx(value, abs=1e-6), key


def test_ground_truth_check_in_crowdpose_mode(submit_module, repo_root,
                                              shared_data, synthetic_crowdpose,
                                              tmp_path, monkeypatch, capsys):
    # RTMO's CrowdPose config: the evaluator takes the dataset's annotations
    real = osp.join(shared_data, 'crowdpose')
    out = submit(submit_module, repo_root, monkeypatch, capsys, RTMO_CROWDPOSE,
                 '--split', 'eval', '--ground-truth', '--out-dir',
                 str(tmp_path), '--cfg-options',
                 f'test_dataloader.dataset.data_root={real}',
                 'test_dataloader.dataset.ann_file=test_crowdpose.json')
    assert 'crowdpose/AP: 1.0000' in out
    assert 'crowdpose/AP(M): 1.0000' in out
    assert (tmp_path / 'person_keypoints_test-crowdpose_rtmo-s-8xb32-700e-'
            'crowdpose-640x640_results.json').is_file()
    # DirectPose's: its own evaluator ann_file; synthetic-crowdpose
    ann_file = osp.join(synthetic_crowdpose, 'annotations/val.json')
    submit(submit_module, repo_root, monkeypatch, capsys, DIRECTPOSE_CROWDPOSE,
           '--split', 'eval', '--ground-truth', '--out-dir', str(tmp_path),
           '--out', str(tmp_path / 'metrics.json'), '--cfg-options',
           f'test_evaluator.ann_file={ann_file}')
    metrics = json.loads((tmp_path / 'metrics.json').read_text())
    assert metrics['crowdpose/AP'] == pytest.approx(1.0)
    assert metrics['crowdpose/AR'] == pytest.approx(1.0)
    assert {'crowdpose/AP(E)', 'crowdpose/AP(M)',
            'crowdpose/AP(H)'} <= set(metrics)


def test_crowdpose_has_no_test_dev(submit_module, repo_root, tmp_path,
                                   monkeypatch, capsys):
    with pytest.raises(SystemExit, match='no evaluation server'):
        submit(submit_module, repo_root, monkeypatch, capsys, RTMO_CROWDPOSE,
               'ckpt.pth', '--out-dir', str(tmp_path))


def test_nan_predictions_stop_before_writing(submit_module, repo_root,
                                             synthetic_coco, tmp_path,
                                             monkeypatch, capsys):
    """A diverged model's NaN keypoints (which xtcocotools would count as
    matches) stop the tool with the first bad entry named."""
    ann_file = osp.join(synthetic_coco, 'annotations/val.json')
    with open(ann_file) as f:
        image_id = json.load(f)['images'][1]['id']
    bad = dict(
        image_id=image_id,
        category_id=1,
        keypoints=[float('nan')] * 51,
        score=0.5)
    monkeypatch.setattr(submit_module, 'predict', lambda *args: [bad])
    with pytest.raises(SystemExit) as info:
        submit(submit_module, repo_root, monkeypatch, capsys,
               DIRECTPOSE_TINY, 'ckpt.pth', '--split', 'eval', '--out-dir',
               str(tmp_path), '--cfg-options',
               f'test_evaluator.ann_file={ann_file}')
    assert str(info.value) == (
        f'not written: results[0] (image_id {image_id}): keypoint value 0 is '
        'nan, expected a finite number')
    assert list(tmp_path.iterdir()) == []
