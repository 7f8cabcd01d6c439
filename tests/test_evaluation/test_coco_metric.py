"""mmpose's CocoMetric (xtcocotools) gives AP 1.0 when fed the ground truth
as predictions: on synthetic-coco, synthetic-crowdpose (crowdpose mode) and
the real samples."""
import os.path as osp

import pytest
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.evaluation import CocoMetric

from directpose.evaluation import annotations_as_results, results_to_samples

COCO_META = 'configs/_base_/datasets/coco.py'
CROWDPOSE_META = 'configs/_base_/datasets/crowdpose.py'


def evaluate_ground_truth(ann_file,
                          metainfo,
                          tmp_path,
                          shift=0.0,
                          **metric_kwargs):
    """Evaluate the annotations of ``ann_file``, moved right by ``shift``
    pixels, as predictions against themselves."""
    metric = CocoMetric(
        ann_file=ann_file,
        score_mode='bbox',
        nms_mode='none',
        outfile_prefix=str(tmp_path / 'results'),
        **metric_kwargs)
    metric.dataset_meta = parse_pose_metainfo(dict(from_file=metainfo))
    samples = results_to_samples(
        annotations_as_results(ann_file, shift),
        metric.dataset_meta['num_keypoints'])
    metric.process([], samples)
    return metric.evaluate(size=len(samples))


def test_synthetic_coco_ground_truth_scores_ap_1(synthetic_coco, tmp_path):
    metrics = evaluate_ground_truth(
        osp.join(synthetic_coco, 'annotations/val.json'), COCO_META, tmp_path)
    assert metrics['coco/AP'] == pytest.approx(1.0)
    assert metrics['coco/AR'] == pytest.approx(1.0)


def test_synthetic_crowdpose_ground_truth_scores_ap_1(synthetic_crowdpose,
                                                      tmp_path):
    metrics = evaluate_ground_truth(
        osp.join(synthetic_crowdpose, 'annotations/val.json'),
        CROWDPOSE_META,
        tmp_path,
        iou_type='keypoints_crowd',
        prefix='crowdpose',
        use_area=False)
    for key in ('AP', 'AP .5', 'AP .75', 'AR', 'AP(E)', 'AP(M)', 'AP(H)'):
        value = metrics[f'crowdpose/{key}']
        # a crowd level with no person is reported as -1 by xtcocotools
        assert value == pytest.approx(1.0) or (key.startswith('AP(')
                                               and value == -1), key


def test_real_coco_ground_truth_scores_ap_1(shared_data, tmp_path):
    metrics = evaluate_ground_truth(
        osp.join(shared_data, 'coco/test_coco.json'), COCO_META, tmp_path)
    assert metrics['coco/AP'] == pytest.approx(1.0)


def test_real_crowdpose_ground_truth_scores_ap_1(shared_data, tmp_path):
    metrics = evaluate_ground_truth(
        osp.join(shared_data, 'crowdpose/test_crowdpose.json'),
        CROWDPOSE_META,
        tmp_path,
        iou_type='keypoints_crowd',
        prefix='crowdpose',
        use_area=False)
    assert metrics['crowdpose/AP'] == pytest.approx(1.0)


def test_shifted_keypoints_lower_ap(synthetic_coco, tmp_path):
    """The metric is not vacuous: ground truth moved by 12 pixels."""
    metrics = evaluate_ground_truth(
        osp.join(synthetic_coco, 'annotations/val.json'),
        COCO_META,
        tmp_path,
        shift=12.0)
    assert metrics['coco/AP'] < 0.9
