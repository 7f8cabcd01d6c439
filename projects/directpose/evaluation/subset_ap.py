"""COCO keypoint AP on subsets of a validation set (by the number of persons
in an image, or by person area) and the recall of one image's predictions
at an OKS threshold, both computed by xtcocotools' ``COCOeval`` as mmpose's
``CocoMetric`` runs it."""
import contextlib
import io
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from xtcocotools.coco import COCO
from xtcocotools.cocoeval import COCOeval

#: ``COCOeval``'s upper bound of an open area range
_MAX_AREA = 1e10
#: the kinds of subset: images by their number of persons, persons by area
SUBSET_KINDS = ('persons', 'area')


@dataclass(frozen=True)
class Subset:
    """Part of a validation set that AP is computed on.

    Args:
        kind (str): 'persons': the images with ``low <= n < high``
            annotated persons (non-crowd, with labelled keypoints), every
            person of them; 'area': the persons whose annotated ``area``
            lies in ``[low, high]`` (``COCOeval.params.areaRng``, closed as
            in COCO; the other persons are ignored, as are unmatched
            predictions whose keypoint box area is outside the range), on
            every image.
        low (float): Lower edge.
        high (float, optional): Upper edge; None for no upper bound.
    """

    kind: str
    low: float
    high: Optional[float] = None

    @property
    def name(self) -> str:
        """E.g. 'persons 1-2', 'persons 6+', 'area 0-677.5', 'area 1105.5+'.
        """
        if self.kind == 'persons':
            if self.high is None:
                return f'persons {self.low:g}+'
            return f'persons {self.low:g}-{self.high - 1:g}'
        if self.high is None:
            return f'area {self.low:g}+'
        return f'area {self.low:g}-{self.high:g}'


def subsets_from_edges(kind: str, edges: Sequence[float]) -> List[Subset]:
    """The subsets between consecutive ``edges``, the last open-ended:
    ``('persons', (1, 3, 6))`` gives the images with 1-2, 3-5 and 6 or more
    persons.

    Raises:
        ValueError: An unknown kind, or edges that are not increasing
            numbers >= 0 (integers for 'persons').
    """
    if kind not in SUBSET_KINDS:
        raise ValueError(f'subset kind {kind!r}: expected one of '
                         f'{SUBSET_KINDS}')
    numbers = all(
        isinstance(e, (int, float)) and not isinstance(e, bool) for e in edges)
    if not edges or not numbers or edges[0] < 0 or any(
            b <= a
            for a, b in zip(edges, edges[1:])) or (kind == 'persons' and any(
                not isinstance(e, int) for e in edges)):
        kind_of = 'integers' if kind == 'persons' else 'numbers'
        raise ValueError(f'{kind} edges must be increasing {kind_of} >= 0, '
                         f'got {edges!r}')
    highs = list(edges[1:]) + [None]
    return [Subset(kind, low, high) for low, high in zip(edges, highs)]


def persons_per_image(coco_gt: COCO) -> Dict[int, int]:
    """Annotated persons of each image: the non-crowd annotations with
    labelled keypoints, those that the keypoint evaluation counts."""
    counts = {image_id: 0 for image_id in coco_gt.getImgIds()}
    for ann in coco_gt.anns.values():
        if _counted(ann):
            counts[ann['image_id']] += 1
    return counts


def _counted(ann: dict) -> bool:
    """Whether the keypoint evaluation counts the annotation."""
    return not ann.get('iscrowd', 0) and ann.get('num_keypoints', 0) > 0


def _image_ids(coco_gt: COCO, subset: Subset) -> List[int]:
    """The images of ``subset`` (every image for an 'area' subset)."""
    if subset.kind != 'persons':
        return sorted(coco_gt.getImgIds())
    high = np.inf if subset.high is None else subset.high
    return sorted(image_id
                  for image_id, num in persons_per_image(coco_gt).items()
                  if subset.low <= num < high)


def subset_size(coco_gt: COCO, subset: Subset) -> Tuple[int, int]:
    """The images and annotated persons of ``subset``.

    Returns:
        tuple[int, int]: ``(images, persons)``.
    """
    images = _image_ids(coco_gt, subset)
    chosen = set(images)
    high = np.inf if subset.high is None else subset.high
    persons = sum(
        _counted(ann) and ann['image_id'] in chosen and (
            subset.kind != 'area' or subset.low <= ann['area'] <= high)
        for ann in coco_gt.anns.values())
    return len(images), int(persons)


def run_cocoeval(coco_gt: COCO,
                 results: Union[str, List[dict]],
                 sigmas: Sequence[float],
                 iou_type: str = 'keypoints',
                 use_area: bool = True,
                 **params) -> Optional[COCOeval]:
    """``COCOeval`` evaluated and accumulated as mmpose's ``CocoMetric``
    does, with ``params`` (e.g. ``imgIds``, ``areaRng``) set first and its
    printing silenced; None when ``results`` is an empty list (xtcocotools
    cannot load it)."""
    if isinstance(results, list) and not results:
        return None
    with contextlib.redirect_stdout(io.StringIO()):
        coco_eval = COCOeval(coco_gt, coco_gt.loadRes(results), iou_type,
                             np.asarray(sigmas), use_area)
        coco_eval.params.useSegm = None
        for key, value in params.items():
            setattr(coco_eval.params, key, value)
        coco_eval.evaluate()
        coco_eval.accumulate()
    return coco_eval


def subset_ap(coco_gt: COCO,
              results: Union[str, List[dict]],
              subset: Subset,
              sigmas: Sequence[float],
              iou_type: str = 'keypoints',
              use_area: bool = True) -> float:
    """AP at OKS .50:.95 (``COCOeval.stats[0]``) on ``subset``.

    Args:
        coco_gt (COCO): The validation set (e.g. ``CocoMetric.coco``).
        results (str | list[dict]): Keypoint results (the file that
            ``CocoMetric`` writes with ``outfile_prefix``, or its entries).
        subset (Subset): Which part of the validation set.
        sigmas (Sequence[float]): OKS sigmas, one a keypoint.
        iou_type (str): 'keypoints' or 'keypoints_crowd', as the metric.
        use_area (bool): As the metric's ``use_area``.

    Returns:
        float: The AP; -1 (COCO's "no ground truth") where the subset has
        no person, 0 where there is no prediction at all.
    """
    params = dict(areaRng=[[0, _MAX_AREA]], areaRngLbl=['all'])
    if subset.kind == 'persons':
        params['imgIds'] = _image_ids(coco_gt, subset)
        if not params['imgIds']:
            return -1.0
    else:
        high = _MAX_AREA if subset.high is None else subset.high
        params['areaRng'] = [[subset.low, high]]
    coco_eval = run_cocoeval(coco_gt, results, sigmas, iou_type, use_area,
                             **params)
    if coco_eval is None:
        return 0.0
    with contextlib.redirect_stdout(io.StringIO()):
        coco_eval.summarize()
    return float(coco_eval.stats[0])


def recall_at_oks(annotations: Sequence[dict],
                  keypoints: np.ndarray,
                  scores: np.ndarray,
                  sigmas: Sequence[float],
                  oks_thr: float = 0.5) -> float:
    """The fraction of an image's annotated persons that a prediction
    matches with OKS >= ``oks_thr``, predictions taken greedily by score,
    each matching at most one person (``COCOeval``'s matching, all
    predictions kept).

    Args:
        annotations (Sequence[dict]): The image's COCO annotations
            (``keypoints``, ``area``, ``bbox``; e.g. of
            :func:`~directpose.datasets.synthetic.render_scene`).
        keypoints (np.ndarray): Predicted keypoints, shape (N, K, 2).
        scores (np.ndarray): Their person scores, shape (N, ).
        sigmas (Sequence[float]): OKS sigmas, one a keypoint.
        oks_thr (float): The OKS a match needs.

    Returns:
        float: The recall; NaN for an image without annotated person.
    """
    gt = [
        dict(ann, id=i + 1, image_id=1, category_id=1, iscrowd=0)
        for i, ann in enumerate(annotations) if ann.get('num_keypoints', 0) > 0
    ]
    if not gt:
        return float('nan')
    keypoints = np.asarray(
        keypoints, dtype=np.float64).reshape(len(scores), len(sigmas), 2)
    results = [
        dict(
            image_id=1,
            category_id=1,
            keypoints=np.concatenate([xy, np.ones((len(xy), 1))],
                                     axis=1).reshape(-1).tolist(),
            score=float(score)) for xy, score in zip(keypoints, scores)
    ]
    coco_gt = COCO()
    coco_gt.dataset = dict(
        images=[dict(id=1)],
        annotations=gt,
        categories=[dict(id=1, name='person')])
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt.createIndex()
    coco_eval = run_cocoeval(
        coco_gt,
        results,
        sigmas,
        iouThrs=np.array([oks_thr]),
        maxDets=[max(len(results), 1)],
        areaRng=[[0, _MAX_AREA]],
        areaRngLbl=['all'])
    if coco_eval is None:
        return 0.0
    return float(coco_eval.eval['recall'][0, 0, 0, 0])
