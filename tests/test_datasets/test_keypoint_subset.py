"""make_keypoint_subset: annotations and metainfo of another keypoint set,
read back by mmpose."""
import json
import os.path as osp

import numpy as np
import pytest
from mmpose.datasets import CocoDataset
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from directpose.datasets import make_keypoint_subset

COCO_META = 'configs/_base_/datasets/coco.py'
FIVE = ['nose', 'left_shoulder', 'right_shoulder', 'left_hip', 'right_hip']


def test_annotations_and_metainfo_of_five_keypoints(synthetic_coco, tmp_path,
                                                    repo_root, monkeypatch):
    monkeypatch.chdir(repo_root)
    src = osp.join(synthetic_coco, 'annotations', 'train.json')
    written = make_keypoint_subset([src], COCO_META, FIVE, str(tmp_path),
                                   'coco5')
    meta = parse_pose_metainfo(dict(from_file=written['metainfo']))
    assert meta['num_keypoints'] == 5
    assert meta['flip_indices'] == [0, 2, 1, 4, 3]  # swaps kept
    coco = parse_pose_metainfo(dict(from_file=COCO_META))
    np.testing.assert_allclose(meta['sigmas'],
                               coco['sigmas'][[0, 5, 6, 11, 12]])
    # links among the five only: shoulders, hips, shoulder-hip
    assert sorted(map(sorted, meta['skeleton_links'])) == [[1, 2], [1, 3],
                                                           [2, 4], [3, 4]]

    with open(src) as f:
        before = json.load(f)
    with open(written[src]) as f:
        after = json.load(f)
    for old, new in zip(before['annotations'], after['annotations']):
        kpts = np.array(old['keypoints']).reshape(17, 3)[[0, 5, 6, 11, 12]]
        np.testing.assert_array_equal(
            np.array(new['keypoints']).reshape(5, 3), kpts)
        assert new['num_keypoints'] == int((kpts[:, 2] > 0).sum())
    assert after['categories'][0]['keypoints'] == FIVE

    dataset = CocoDataset(
        data_root=synthetic_coco,
        ann_file=written[src],
        data_prefix=dict(img='train/'),
        data_mode='bottomup',
        metainfo=dict(from_file=written['metainfo']))
    assert dataset.get_data_info(0)['keypoints'].shape[1:] == (5, 2)


def test_bad_names_and_overwriting_are_refused(synthetic_coco, tmp_path,
                                               repo_root, monkeypatch):
    monkeypatch.chdir(repo_root)
    src = osp.join(synthetic_coco, 'annotations', 'val.json')
    with pytest.raises(ValueError, match="unknown: \\['neck'\\]"):
        make_keypoint_subset([src], COCO_META, ['nose', 'neck'], str(tmp_path),
                             'x')
    with pytest.raises(ValueError, match='overwrite'):
        make_keypoint_subset([src], COCO_META, FIVE, osp.dirname(src), 'x')
    with open(src) as f:
        assert len(json.load(f)['annotations'][0]['keypoints']) == 51
