"""SpeedMeter batches that skip the test pipeline's resizing."""
import numpy as np
import pytest
from mmengine.config import Config

from directpose.benchmark import SpeedMeter

CONFIGS = {
    'DirectPose':
    'configs/directpose/'
    'directpose_r18-tiny_fpn_1xb8-30e_synthetic-coco-128x128.py',
    'SWAHR':
    'configs/swahr/swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py',
}


@pytest.mark.parametrize('method', CONFIGS)
def test_batch_at_input_size_packs_an_identity_resize(method, repo_root):
    meter = SpeedMeter(
        Config.fromfile(f'{repo_root}/{CONFIGS[method]}'), device='cpu')
    rng = np.random.default_rng(0)
    images = [
        rng.integers(0, 255, (96, 160, 3), dtype=np.uint8) for _ in range(2)
    ]
    batch = meter.batch_at_input_size(images)
    assert [tuple(x.shape) for x in batch['inputs']] == [(3, 96, 160)] * 2
    meta = batch['data_samples'][0].metainfo
    assert meta['input_size'] == (160, 96) and meta['img_shape'] == (96, 160)
    np.testing.assert_array_equal(meta['input_center'], [80, 48])
    np.testing.assert_array_equal(meta['input_scale'], [160, 96])
    assert meta['flip_indices'] == meter.model.dataset_meta['flip_indices']
    # the test step maps keypoints back to the pixels of these images
    results = meter.model.test_step(batch)
    assert len(results) == 2
    keypoints = results[0].pred_instances.keypoints
    assert keypoints.shape[1:] == (17, 2)
    timed = meter.time([batch], warmup=0, runs=1)
    assert timed['total']['n'] == 1
