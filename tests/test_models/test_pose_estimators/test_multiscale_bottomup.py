"""Multi-scale bottom-up testing end to end: PackMultiScalePoseInputs packs
BottomupResize's image pyramid, MultiScalePoseDataPreprocessor batches each
scale, MultiScaleBottomupPoseEstimator hands the pyramid to the head."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmpose.registry import DATASETS, MODELS

REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIG = ('configs/swahr/'
          'swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py')


@pytest.fixture
def cfg(synthetic_coco):
    cfg = Config.fromfile(osp.join(REPO, CONFIG))
    cfg.test_dataloader.dataset.data_root = synthetic_coco
    return cfg


def batch(cfg, aug_scales, num_images=2):
    cfg.test_dataloader.dataset.pipeline[1]['aug_scales'] = aug_scales
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    return pseudo_collate([dataset[i] for i in range(num_images)])


def test_pyramids_are_packed_and_batched_per_scale(cfg):
    data = batch(cfg, [0.5, 2.0])
    model = MODELS.build(cfg.model)
    processed = model.data_preprocessor(data)
    inputs = processed['inputs']
    assert [tuple(x.shape)
            for x in inputs] == [(2, 3, 128, 128), (2, 3, 64, 64),
                                 (2, 3, 256, 256)]
    sample = processed['data_samples'][0]
    assert sample.metainfo['aug_scales'] == [0.5, 2.0]
    assert sample.metainfo['batch_input_shape'] == (128, 128)


def test_single_scale_packing_is_mmposes(cfg):
    data = batch(cfg, None)
    model = MODELS.build(cfg.model)
    inputs = model.data_preprocessor(data)['inputs']
    assert isinstance(inputs, torch.Tensor)
    assert tuple(inputs.shape) == (2, 3, 128, 128)


@pytest.mark.parametrize('flip_test', [False, True])
def test_multiscale_test_predicts_in_image_space(cfg, flip_test):
    cfg.model.test_cfg.update(multiscale_test=True, flip_test=flip_test)
    model = MODELS.build(cfg.model)
    model.eval()
    with torch.no_grad():
        results = model.test_step(batch(cfg, [0.5, 2.0]))
    for result in results:
        keypoints = result.pred_instances.keypoints
        assert keypoints.ndim == 3 and keypoints.shape[1:] == (17, 2)
        assert len(result.pred_instances.keypoint_scores) == len(keypoints)
