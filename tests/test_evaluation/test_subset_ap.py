"""AP on subsets of a validation set against COCOeval run by hand, and
recall at OKS 0.5 with known answers."""
import contextlib
import copy
import io
import json

import numpy as np
import pytest
from xtcocotools.coco import COCO
from xtcocotools.cocoeval import COCOeval

from directpose.datasets.synthetic import render_scene
from directpose.evaluation import (annotations_as_results, recall_at_oks,
                                   subset_ap, subset_size, subsets_from_edges)

# COCO's keypoint sigmas (mmpose's coco.py)
SIGMAS = [
    .026, .025, .025, .035, .035, .079, .079, .072, .072, .062, .062, .107,
    .107, .087, .087, .089, .089
]
COUNTS = (1, 2, 4, 6)  # persons of the images 1..4


@pytest.fixture(scope='module')
def val_set(tmp_path_factory):
    """Four scenes with 1, 2, 4 and 6 persons: the annotation file and its
    COCO."""
    images, anns = [], []
    for image_id, num in enumerate(COUNTS, 1):
        images.append(dict(id=image_id, width=96, height=96))
        for ann in render_scene(num, 96, seed=[num, 0], preset='crowd')[1]:
            anns.append(
                dict(ann, id=len(anns) + 1, image_id=image_id, iscrowd=0))
    path = tmp_path_factory.mktemp('subsets') / 'val.json'
    path.write_text(
        json.dumps(
            dict(
                images=images,
                annotations=anns,
                categories=[dict(id=1, name='person')])))
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(path))
    return str(path), coco


def _by_hand(coco, results, **params):
    """COCOeval's printed statistics, with ``params`` set."""
    with contextlib.redirect_stdout(io.StringIO()):
        coco_eval = COCOeval(coco, coco.loadRes(copy.deepcopy(results)),
                             'keypoints', np.array(SIGMAS), True)
        coco_eval.params.useSegm = None
        for key, value in params.items():
            setattr(coco_eval.params, key, value)
        coco_eval.evaluate()
        coco_eval.accumulate()
        coco_eval.summarize()
    return coco_eval.stats


def _area_edges(coco):
    """Thirds of the annotated areas, between integer pixel counts."""
    areas = sorted(ann['area'] for ann in coco.anns.values())
    third = len(areas) // 3
    return (0, areas[third] - 0.5, areas[2 * third] - 0.5)


def test_perfect_predictions_score_one_on_every_subset(val_set):
    path, coco = val_set
    results = annotations_as_results(path)
    subsets = subsets_from_edges('persons', (1, 3, 6)) + subsets_from_edges(
        'area', _area_edges(coco))
    assert [s.name for s in subsets[:3]
            ] == ['persons 1-2', 'persons 3-5', 'persons 6+']
    for subset in subsets:
        assert subset_ap(coco, results, subset, SIGMAS) == pytest.approx(1)
    assert [subset_size(coco, s) for s in subsets[:3]] == [(2, 3), (1, 4),
                                                           (1, 6)]
    # an empty subset is COCO's -1
    assert subset_ap(coco, results,
                     subsets_from_edges('persons', (7, ))[0], SIGMAS) == -1


def test_predictions_perfect_on_few_person_images(val_set):
    """Perfect on the images with 1-2 persons, 4 pixels off elsewhere: AP 1
    there, lower on the others, as COCOeval gives by hand (images chosen
    with ``params.imgIds``, areas with its 'medium' range)."""
    path, coco = val_set
    perfect, shifted = annotations_as_results(path), annotations_as_results(
        path, shift=4.0)
    results = [
        p if COUNTS[p['image_id'] - 1] <= 2 else s
        for p, s in zip(perfect, shifted)
    ]
    aps = {
        s.name: subset_ap(coco, results, s, SIGMAS)
        for s in subsets_from_edges('persons', (1, 3, 6))
    }
    assert aps['persons 1-2'] == pytest.approx(1)
    assert aps['persons 3-5'] < 0.9 and aps['persons 6+'] < 0.9
    for name, image_ids in (('persons 3-5', [3]), ('persons 6+', [4])):
        assert aps[name] == pytest.approx(
            _by_hand(coco, results, imgIds=image_ids)[0])
    assert subset_ap(coco, results,
                     subsets_from_edges('persons', (1, ))[0],
                     SIGMAS) == pytest.approx(_by_hand(coco, results)[0])
    edges = _area_edges(coco)
    for low, high in zip(edges, edges[1:]):
        [subset
         ] = [s for s in subsets_from_edges('area', edges) if s.low == low]
        expected = _by_hand(
            coco,
            results,
            areaRng=[[0, 1e10], [low, high], [0, 1]],
            areaRngLbl=['all', 'medium', 'large'])[3]  # AP (M)
        assert subset_ap(coco, results, subset,
                         SIGMAS) == pytest.approx(expected)


@pytest.mark.parametrize('edges', [(), (3, 1), (1, 2.5), (-1, 2)])
def test_bad_subset_edges(edges):
    with pytest.raises(ValueError, match='persons edges must be increasing'):
        subsets_from_edges('persons', edges)


def test_recall_at_oks_half():
    _, anns = render_scene(6, 96, seed=[6, 0], preset='crowd')
    kpts = np.array([np.reshape(a['keypoints'], (-1, 3))[:, :2] for a in anns])
    scores = np.linspace(1, 0.5, len(anns))
    assert recall_at_oks(anns, kpts, scores, SIGMAS) == 1
    assert recall_at_oks(anns, kpts + 40, scores, SIGMAS) == 0
    assert recall_at_oks(anns, kpts[:3], scores[:3], SIGMAS) == 0.5
    assert recall_at_oks(anns, kpts[:0], scores[:0], SIGMAS) == 0
    # two predictions of one person find one person
    twice = kpts[[0, 0]]
    assert recall_at_oks(anns, twice, scores[:2],
                         SIGMAS) == pytest.approx(1 / len(anns))
    assert np.isnan(recall_at_oks([], kpts, scores, SIGMAS))
