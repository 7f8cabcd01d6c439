"""Many images in batches with a PyTorch model: what mmpose's
inference_bottomup gives image by image."""
import glob
import os.path as osp

import cv2
import pytest
from conftest import TINY_RTMO, assert_same_predictions, save_initial_weights
from mmpose.apis import inference_bottomup

from directpose.apis import (inference_images, init_model,
                             iter_inference_batches)


@pytest.fixture(scope='module')
def model(tmp_path_factory, repo_root):
    """The tiny RTMO with its initial weights (it finds persons: scores
    above its threshold of 0.05)."""
    checkpoint = save_initial_weights(
        repo_root, TINY_RTMO,
        tmp_path_factory.mktemp('batch_inference') / 'rtmo.pth')
    return init_model(osp.join(repo_root, TINY_RTMO), checkpoint, device='cpu')


def test_batches_give_what_inference_bottomup_gives(model, synthetic_coco):
    images = sorted(glob.glob(osp.join(synthetic_coco, 'val', '*.jpg')))
    expected = [inference_bottomup(model, image)[0] for image in images]
    assert sum(len(s.pred_instances) for s in expected) > 0
    batches = list(iter_inference_batches(model, images, batch_size=3))
    assert [len(b) for b in batches] == [3, 1]
    assert_same_predictions(expected, [s for b in batches for s in b])
    arrays = [cv2.imread(image) for image in images]
    assert_same_predictions(expected, inference_images(model, arrays, 2))
    assert [s.img_path for s in inference_images(model, images)] == images


def test_bad_batch_size(model, synthetic_coco):
    with pytest.raises(ValueError, match='batch_size must be 1 or more'):
        inference_images(model, ['x.jpg'], batch_size=0)
