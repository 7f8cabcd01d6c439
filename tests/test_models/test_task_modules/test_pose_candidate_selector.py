"""PoseCandidateSelector: boxes clipped to the image before NMS, box or OKS
NMS, the best max_per_img, keypoints decoded only for the kept persons when
NMS needs none."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from directpose.models.task_modules import (PoseCandidateSelector,
                                            pose_candidate_selector)

COCO_META = 'configs/_base_/datasets/coco.py'


def candidates(keypoints, scores, bboxes=None, factors=None):
    n = len(scores)
    data = InstanceData(
        scores=torch.tensor(scores),
        keypoints=torch.as_tensor(keypoints, dtype=torch.float32),
        factors=torch.ones(n, 2) if factors is None else factors)
    if bboxes is not None:
        data.bboxes = torch.as_tensor(bboxes, dtype=torch.float32)
    return data


def decode(c):
    return c.keypoints


def test_oks_nms_keeps_one_of_two_identical_persons(repo_root, monkeypatch):
    monkeypatch.chdir(repo_root)
    kpts = torch.rand(1, 17, 2) * 50
    selector = PoseCandidateSelector(
        dict(type='oks', iou_threshold=0.9, metainfo=COCO_META))
    res = selector.select(
        candidates(torch.cat([kpts, kpts + 0.1, kpts + 40]), [0.9, 0.8, 0.7]),
        decode, (200, 200))
    np.testing.assert_allclose(res.bbox_scores, [0.9, 0.7])


def test_the_sigmas_are_read_once(repo_root, monkeypatch):
    monkeypatch.chdir(repo_root)
    calls = []
    parse = pose_candidate_selector.parse_pose_metainfo
    monkeypatch.setattr(pose_candidate_selector, 'parse_pose_metainfo',
                        lambda m: calls.append(m) or parse(m))
    pose_candidate_selector._oks_sigmas.cache_clear()
    for _ in range(3):
        PoseCandidateSelector(
            dict(type='oks', iou_threshold=0.9, metainfo=COCO_META))
    assert len(calls) == 1


def test_boxes_are_clipped_to_the_image_before_nms():
    # two persons overlapping only inside the image: beyond its right edge
    # the first box is long, so their IoU is 0.125 unclipped, 0.75 clipped
    kpts = torch.tensor([[[60.0, 0.0], [300.0, 100.0]],
                         [[70.0, 0.0], [100.0, 100.0]]])
    selector = PoseCandidateSelector(dict(type='bbox', iou_threshold=0.6))
    res = selector.select(candidates(kpts, [0.9, 0.8]), decode, (100, 100))
    assert len(res.bboxes) == 1
    np.testing.assert_allclose(res.bboxes[0], [60, 0, 100, 100])
    # the keypoints themselves are not clipped
    np.testing.assert_allclose(res.keypoints[0], kpts[0])


def test_keypoints_are_decoded_for_the_kept_persons_only():
    decoded = []

    def counting_decode(c):
        decoded.append(len(c))
        return c.keypoints

    boxes = [[0, 0, 10, 10], [1, 1, 10, 10], [50, 50, 60, 60]]
    selector = PoseCandidateSelector(max_per_img=1)
    res = selector.select(
        candidates(torch.zeros(3, 17, 2), [0.5, 0.9, 0.7], boxes),
        counting_decode, (100, 100))
    assert decoded == [1]  # box NMS on the box branch's boxes first
    np.testing.assert_allclose(res.bbox_scores, [0.9])


def test_factors_map_scales_to_the_first_one():
    kpts = torch.tensor([[[10.0, 20.0], [30.0, 40.0]]])
    res = PoseCandidateSelector().select(
        candidates(kpts, [0.9], factors=torch.tensor([[2.0, 0.5]])), decode,
        (1000, 1000))
    np.testing.assert_allclose(res.keypoints[0], [[20, 10], [60, 20]])
    np.testing.assert_allclose(res.bboxes[0], [20, 10, 60, 20])


def test_no_candidates():
    res = PoseCandidateSelector().select(
        candidates(torch.zeros(0, 17, 2), []), decode, (100, 100))
    assert res.keypoints.shape == (0, 17, 2)


def test_unknown_nms_is_refused():
    with pytest.raises(ValueError, match="'bbox' or 'oks'"):
        PoseCandidateSelector(dict(type='soft'))
