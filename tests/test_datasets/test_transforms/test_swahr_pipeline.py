"""The SWAHR/HigherHRNet training pipeline (mmpose's bottom-up transforms
with MultiResolutionAssociativeEmbedding): targets at 1/4 and 1/2 whose
peaks sit on the transformed keypoints, tag indices at 1/4, valid-region
masks at both resolutions."""
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmpose.datasets import CocoDataset

REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
COCO_512 = 'configs/swahr/swahr_higherhrnet-w32_4xb20-300e_coco-512x512.py'
SYNTHETIC = ('configs/swahr/'
             'swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py')


def train_pipeline(config, deterministic=False):
    pipeline = Config.fromfile(osp.join(REPO, config)).train_pipeline
    if deterministic:  # no shift, scale, rotation or flip
        pipeline[1].update(shift_prob=0, scale_prob=0, rotate_prob=0)
        pipeline[2].update(prob=0.)
    return pipeline


def peak(keypoint, input_size, heatmap_size, use_udp, sigma=2):
    """The pixel the codec centres a keypoint's Gaussian on, and the value
    there. UDP maps the input's pixel centres onto the heatmap's and keeps
    the sub-pixel offset; otherwise pixel j covers [s*j, s*(j+1))."""
    if use_udp:
        scale = (np.array(input_size) - 1) / (np.array(heatmap_size) - 1)
        centre = keypoint / scale
        pixel = np.floor(centre + 0.5).astype(int)
        return pixel, np.exp(-((pixel - centre)**2).sum() / (2 * sigma**2))
    stride = input_size[0] / heatmap_size[0]
    return np.floor(keypoint / stride).astype(int), 1.0


def check_sample(packed, input_size, use_udp=False):
    sample = packed['data_samples']
    assert tuple(packed['inputs'].shape[1:]) == input_size[::-1]
    heatmaps = sample.gt_fields.heatmaps
    masks = sample.gt_fields.heatmap_mask
    w, h = input_size
    assert [tuple(hm.shape[1:]) for hm in heatmaps] == [(h // 4, w // 4),
                                                        (h // 2, w // 2)]
    assert [m.shape for m in masks] == [hm.shape[1:] for hm in heatmaps]

    keypoints = sample.gt_instances.keypoints  # transformed, input space
    visible = sample.gt_instances.keypoints_visible > 0.5
    indices = sample.gt_instance_labels.keypoint_indices.numpy()
    num_checked = 0
    for level, hm in enumerate(heatmaps):
        hm = hm.numpy()
        for n, k in zip(*np.nonzero(visible)):
            (x, y), value = peak(keypoints[n, k], input_size, hm.shape[:0:-1],
                                 use_udp)
            if 0 <= x < hm.shape[2] and 0 <= y < hm.shape[1]:
                # the maximum over persons: at least this person's value
                assert hm[k, y, x] >= value - 1e-5
                if level == 0:
                    assert tuple(indices[n, k]) == (y * hm.shape[2] + x, 1)
                num_checked += 1
    return num_checked


def test_synthetic_targets_peak_on_the_transformed_keypoints(synthetic_coco):
    np.random.seed(0)
    dataset = CocoDataset(
        data_root=synthetic_coco,
        ann_file='annotations/train.json',
        data_prefix=dict(img='train/'),
        data_mode='bottomup',
        pipeline=train_pipeline(SYNTHETIC))
    num_checked = sum(
        check_sample(dataset[i], (128, 128), use_udp=True)
        for i in range(len(dataset)))
    assert num_checked > 100


@pytest.fixture
def coco_sample_dataset(shared_data):

    def make(pipeline):
        return CocoDataset(
            data_root=osp.join(shared_data, 'coco'),
            ann_file='test_coco.json',
            data_prefix=dict(img=''),
            data_mode='bottomup',
            pipeline=pipeline)

    return make


def test_coco_targets_peak_on_the_transformed_keypoints(coco_sample_dataset):
    np.random.seed(1)
    dataset = coco_sample_dataset(train_pipeline(COCO_512))
    for _ in range(2):  # two random augmentations of each image
        num_checked = sum(
            check_sample(dataset[i], (512, 512)) for i in range(len(dataset)))
        assert num_checked > 50


def test_unannotated_persons_are_masked_out(coco_sample_dataset):
    """Images 40083 and 196141 have a person with no keypoints: its region
    is left out of the loss at both resolutions, and nothing else is."""
    dataset = coco_sample_dataset(train_pipeline(COCO_512, True))
    for i in range(len(dataset)):
        packed = dataset[i]
        img_id = packed['data_samples'].metainfo['img_id']
        for mask in packed['data_samples'].gt_fields.heatmap_mask:
            if img_id in (40083, 196141):
                assert 0 < (~mask).sum() < 0.05 * mask.numel()
            else:
                assert mask.all()
