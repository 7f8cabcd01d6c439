"""The real COCO and CrowdPose samples load through mmpose's datasets and a
bottom-up test pipeline."""
import os.path as osp

import numpy as np
import pytest
from mmpose.datasets import CocoDataset, CrowdPoseDataset

TEST_PIPELINE = [
    dict(type='LoadImage'),
    dict(type='BottomupResize', input_size=(256, 256), pad_val=(114, ) * 3),
    dict(
        type='PackPoseInputs',
        meta_keys=('id', 'img_id', 'img_path', 'ori_shape', 'img_shape',
                   'input_size', 'input_center', 'input_scale')),
]


@pytest.mark.parametrize('dataset_cls, folder, ann_file, num_images, K', [
    (CocoDataset, 'coco', 'test_coco.json', 4, 17),
    (CrowdPoseDataset, 'crowdpose', 'test_crowdpose.json', 2, 14),
])
def test_real_samples_through_the_test_pipeline(shared_data, dataset_cls,
                                                folder, ann_file, num_images,
                                                K):
    dataset = dataset_cls(
        data_root=osp.join(shared_data, folder),
        ann_file=ann_file,
        data_prefix=dict(img=''),
        data_mode='bottomup',
        test_mode=True,
        pipeline=TEST_PIPELINE)
    assert len(dataset) == num_images
    assert dataset.metainfo['num_keypoints'] == K
    for i in range(len(dataset)):
        packed = dataset[i]
        assert tuple(packed['inputs'].shape) == (3, 256, 256)
        sample = packed['data_samples']
        height, width = sample.metainfo['ori_shape']
        assert height > 200 and width > 300  # the real image was read
        assert isinstance(sample.metainfo['id'], list)  # all instances
        raw = dataset.get_data_info(i)
        assert raw['keypoints'].shape[1:] == (K, 2)
        assert np.isfinite(raw['keypoints']).all()
