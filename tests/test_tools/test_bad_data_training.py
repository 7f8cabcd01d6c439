"""tools/train.py survives every kind of bad training data that is skipped
rather than refused (docs/robustness.md), and logs each."""
import json
import shutil
import subprocess
import sys

import pytest
from conftest import point_config_at

RTMO_TINY = 'configs/rtmo/rtmo-tiny_1xb8-30e_synthetic-coco-256x256.py'


@pytest.fixture
def bad_data(synthetic_coco, tmp_path):
    root = tmp_path / 'data'
    shutil.copytree(synthetic_coco, root)
    images = sorted((root / 'train').iterdir())
    images[0].unlink()  # missing
    images[1].write_bytes(b'truncated')  # corrupt
    ann_file = root / 'annotations' / 'train.json'
    coco = json.loads(ann_file.read_text())
    anns = {a['image_id']: a for a in coco['annotations']}
    anns[3]['keypoints'][15] = -50.0  # a keypoint left of the image
    anns[4]['bbox'] = [10, 10, 0, 0]  # zero-area box
    anns[5]['keypoints'] = [0.0] * 51  # no labelled keypoint
    anns[5]['num_keypoints'] = 0
    coco['annotations'] = [
        a for a in coco['annotations'] if a['image_id'] != 6
    ]  # an image without persons
    ann_file.write_text(json.dumps(coco))
    return root, images


@pytest.mark.slow
def test_training_survives_bad_images_and_annotations(bad_data, repo_root,
                                                      tmp_path):
    root, images = bad_data
    # 4 images a batch, so at least 4 persons: mmpose's RTMOHead cannot
    # train on a batch with a single positive (docs/robustness.md)
    proc = subprocess.run([
        sys.executable, 'tools/train.py', RTMO_TINY, '--work-dir',
        str(tmp_path / 'work'), '--cfg-options',
        *point_config_at(str(root), batch_size=4, max_epochs=2)
    ],
                          cwd=repo_root,
                          capture_output=True,
                          text=True,
                          timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert (tmp_path / 'work' / 'epoch_2.pth').is_file()
    assert f'{images[0]} (image id' in out and 'does not exist' in out
    assert f'{images[1]} (image id' in out
    assert 'cannot be decoded as an image' in out
    assert 'keypoints outside the image (made invisible)' in out
    assert 'zero-area or negative box' in out
    assert 'have no person annotation and are not used for training' in out
    assert 'coco/AP' in out
