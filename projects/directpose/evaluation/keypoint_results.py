"""COCO-style keypoint results: from annotations (ground truth as
predictions), to mmpose ``CocoMetric`` samples, and evaluated from a file
with xtcocotools (COCO or CrowdPose mode)."""
import json
import logging
from collections import OrderedDict, defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.logging import print_log
from xtcocotools.coco import COCO
from xtcocotools.cocoeval import COCOeval

from .submission import validate_results

#: ``COCOeval.stats`` names, as mmpose's ``CocoMetric`` reports them
COCO_STAT_NAMES = ('AP', 'AP .5', 'AP .75', 'AP (M)', 'AP (L)', 'AR', 'AR .5',
                   'AR .75', 'AR (M)', 'AR (L)')
CROWDPOSE_STAT_NAMES = ('AP', 'AP .5', 'AP .75', 'AR', 'AR .5', 'AR .75',
                        'AP(E)', 'AP(M)', 'AP(H)')


def annotations_as_results(ann_file: str, shift: float = 0.0) -> List[dict]:
    """The annotated persons of a COCO-style file as keypoint results.

    Each non-crowd annotation with labelled keypoints becomes an entry with
    its keypoints moved right by ``shift`` pixels, keypoint scores 1 for the
    labelled keypoints (0 otherwise) and score 1. Evaluated against the same
    file (``shift=0``), every AP and AR is 1: a check of the evaluation
    set-up, not of a model.
    """
    with open(ann_file) as f:
        coco = json.load(f)
    results = []
    for ann in coco.get('annotations', []):
        if ann.get('iscrowd', 0) or ann.get('num_keypoints', 0) <= 0:
            continue
        kpts = np.asarray(ann['keypoints'], dtype=np.float64).reshape(-1, 3)
        xy = kpts[:, :2] + [shift, 0.0]
        scores = (kpts[:, 2] > 0).astype(np.float64)
        results.append(
            dict(
                image_id=int(ann['image_id']),
                category_id=int(ann.get('category_id', 1)),
                keypoints=np.concatenate([xy, scores[:, None]],
                                         axis=1).reshape(-1).tolist(),
                score=1.0))
    return results


def results_to_samples(results: Sequence[dict],
                       num_keypoints: int) -> List[dict]:
    """Group keypoint results by image into the data samples that mmpose's
    ``CocoMetric.process`` takes from a bottom-up model (score =
    ``bbox_scores``, as with ``score_mode='bbox'``)."""
    by_image = defaultdict(list)
    for entry in results:
        by_image[entry['image_id']].append(entry)
    samples = []
    for image_id, entries in by_image.items():
        kpts = np.array([e['keypoints'] for e in entries],
                        dtype=np.float32).reshape(
                            len(entries), num_keypoints, 3)
        samples.append(
            dict(
                id=list(range(len(entries))),
                img_id=image_id,
                pred_instances=dict(
                    keypoints=kpts[..., :2],
                    keypoint_scores=kpts[..., 2],
                    bbox_scores=np.array([e['score'] for e in entries])),
                gt_instances={}))
    return samples


def evaluate_keypoint_results(
        results_file: str,
        ann_file: str,
        sigmas: Sequence[float],
        iou_type: str = 'keypoints',
        use_area: bool = True,
        prefix: Optional[str] = None) -> Dict[str, float]:
    """Evaluate a keypoint results file with xtcocotools.

    Args:
        results_file (str): A JSON list of keypoint results.
        ann_file (str): The ground truth (COCO format).
        sigmas (Sequence[float]): The OKS sigmas, one per keypoint (the
            dataset metainfo's ``sigmas``).
        iou_type (str): 'keypoints' (COCO) or 'keypoints_crowd' (CrowdPose:
            AP(E)/AP(M)/AP(H) by crowd index).
        use_area (bool): Normalise OKS by the annotated area; ``False`` for
            CrowdPose, whose annotations have no ``area``.
        prefix (str, optional): Prepended to the names, as ``prefix/AP``.

    Returns:
        dict: The metrics named as mmpose's ``CocoMetric`` names them. An
        empty results file scores 0 everywhere.

    Raises:
        SubmissionError: An entry is malformed or not finite (a NaN keypoint
            would count as a match in xtcocotools).
    """
    if iou_type not in ('keypoints', 'keypoints_crowd'):
        raise ValueError(f'iou_type must be "keypoints" or '
                         f'"keypoints_crowd", got {iou_type!r}')
    names = CROWDPOSE_STAT_NAMES if iou_type == 'keypoints_crowd' \
        else COCO_STAT_NAMES
    with open(results_file) as f:
        results = json.load(f)
    coco_gt = COCO(ann_file)
    # non-finite keypoints would count as matches in xtcocotools
    validate_results(results, coco_gt.getImgIds(), len(sigmas), max_dets=None)
    if not results:
        print_log(
            f'{results_file} holds no prediction: every metric is 0',
            logger='current',
            level=logging.WARNING)
        stats = np.zeros(len(names))
    else:
        coco_eval = COCOeval(coco_gt, coco_gt.loadRes(results_file), iou_type,
                             np.array(sigmas), use_area)
        coco_eval.params.useSegm = None
        coco_eval.evaluate()
        coco_eval.accumulate()
        coco_eval.summarize()
        stats = coco_eval.stats
    head = f'{prefix}/' if prefix else ''
    return OrderedDict(
        (head + name, float(value)) for name, value in zip(names, stats))
