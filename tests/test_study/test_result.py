"""MethodResult: typed fields from the test metrics and the speed stage, and
the result.json layout that studies finished before it still have."""
import copy
import json

import pytest

from directpose.study import Accuracy, MethodResult
from directpose.study.result import Scenes, SubsetAP, ValRepeat


def _summary(median):
    return dict(
        median=median,
        p25=median - 1,
        p75=median + 1,
        iqr=2.0,
        mean=median,
        std=1.0,
        n=3)


LATENCY = dict(
    preprocess=_summary(1.0),
    backbone=_summary(5.0),
    neck=_summary(2.0),
    head=_summary(3.0),
    postprocess=_summary(4.0),
    total=_summary(15.0),
    instances=_summary(2.0),
    memory_mib=6.5)
# a result.json as the study wrote it before MethodResult (onnxruntime
# first, so that the table's latency is that of a backend that failed)
SAVED = dict(
    name='RTMO',
    config='configs/rtmo/rtmo-tiny_1xb8-30e_synthetic-coco-128x128.py',
    key='0123456789abcdef',
    checkpoint='work_dirs/s/RTMO/epoch_1.pth',
    train_seconds=12.5,
    test_seconds=3.25,
    metric_style='coco',
    accuracy=dict(AP=0.5, AP50=0.8, AP75=0.4, APM=0.3, APL=-1.0, AR=0.55),
    metrics={
        'coco/AP': 0.5,
        'coco/AP .5': 0.8
    },
    device='cpu (2 threads)',
    memory_kind='peak RSS increase during inference (CPU)',
    backend='onnxruntime',
    latency={},
    persons=[],
    backends=dict(
        onnxruntime=dict(error='ExportError: no exporter'),
        pytorch=dict(latency=LATENCY, persons=[dict(persons=1, **LATENCY)])),
    params=2.5e6,
    flops=1.7e8,
    input_shape=[3, 128, 128])


def test_saved_layout_round_trips():
    result = MethodResult.from_dict(copy.deepcopy(SAVED))
    assert result.to_dict() == SAVED
    assert json.loads(json.dumps(result.to_dict())) == SAVED
    assert result.accuracy.ap == 0.5 and result.accuracy.ap_l == -1.0
    assert result.accuracy.ap_easy is None
    assert result.cost.params == 2.5e6 and result.cost.train_seconds == 12.5
    assert result.speed.backend == 'onnxruntime'
    assert result.speed.latency == {}
    assert result.speed.backends['onnxruntime'].error.startswith('Export')
    assert result.speed.backends['pytorch'].latency['total']['median'] == 15


def test_trainings_side_by_side_round_trip():
    """``train_jobs`` is saved where trainings shared the cores, and a
    result.json without it (before it existed, or 1) reads as 1."""
    assert MethodResult.from_dict(copy.deepcopy(SAVED)).cost.train_jobs == 1
    shared = dict(copy.deepcopy(SAVED), train_jobs=2)
    result = MethodResult.from_dict(copy.deepcopy(shared))
    assert result.cost.train_jobs == 2
    assert result.to_dict() == shared
    with pytest.raises(KeyError):  # a required field is still required
        MethodResult.from_dict({
            k: v
            for k, v in SAVED.items() if k != 'train_seconds'
        })


def test_speed_reads_the_first_backend():
    saved = dict(
        copy.deepcopy(SAVED),
        backend='pytorch',
        latency=LATENCY,
        persons=[dict(persons=1, **LATENCY)])
    result = MethodResult.from_dict(saved)
    assert result.speed.latency is result.speed.backends['pytorch'].latency
    assert result.speed.persons[0]['persons'] == 1
    assert result.to_dict() == saved


def test_failed_result():
    result = MethodResult.failed('Ghost', 'config file x.py does not exist')
    assert result.to_dict() == dict(
        name='Ghost', error='config file x.py does not exist')
    assert MethodResult.from_dict(result.to_dict()) == result
    assert result.accuracy is None and result.speed is None


def test_accuracy_fields_of_both_styles():
    coco = Accuracy.from_metrics({
        'coco/AP': 0.5,
        'coco/AP .5': 0.8,
        'coco/AP .75': 0.4,
        'coco/AP (M)': 0.3,
        'coco/AP (L)': 0.6,
        'coco/AR': 0.55,
    })
    assert (coco.style, coco.ap, coco.ap50, coco.ap75, coco.ap_m, coco.ap_l,
            coco.ar) == ('coco', 0.5, 0.8, 0.4, 0.3, 0.6, 0.55)
    assert list(coco.columns()) == ['AP', 'AP50', 'AP75', 'APM', 'APL', 'AR']
    names = ('AP', 'AP .5', 'AP .75', 'AR', 'AP(E)', 'AP(M)', 'AP(H)')
    crowd = Accuracy.from_metrics({
        f'crowdpose/{k}': i / 10
        for i, k in enumerate(names)
    })
    assert crowd.style == 'crowdpose' and crowd.ap_m is None
    assert (crowd.ap_easy, crowd.ap_medium, crowd.ap_hard) == (0.4, 0.5, 0.6)
    assert Accuracy.from_columns('crowdpose', crowd.columns()) == crowd
    with pytest.raises(KeyError, match='CocoMetric'):
        Accuracy.from_metrics({'PCK': 0.9})


def test_round_trip_with_subsets_repeats_and_scenes():
    result = MethodResult.from_dict(copy.deepcopy(SAVED))
    result.subsets = [
        SubsetAP('persons 1-2', 0.7, images=68, persons=109),
        SubsetAP('area 1105.5+', -1.0, images=200, persons=0)
    ]
    result.val_repeats = [ValRepeat(1, 0.48, {'coco/AP': 0.48})]
    result.scenes = Scenes('crowd', 160, 8)
    data = json.loads(json.dumps(result.to_dict()))
    assert MethodResult.from_dict(data) == result
    assert data['subsets'][0] == dict(
        name='persons 1-2', ap=0.7, images=68, persons=109)
    assert data['scenes'] == dict(
        preset='crowd', image_size=160, max_persons=8)
    assert result.val_gap() == pytest.approx(0.02)
    # the layout of before reads with them empty
    old = MethodResult.from_dict(copy.deepcopy(SAVED))
    assert old.subsets == [] and old.val_repeats == [] and old.scenes is None
    assert old.val_gap() is None
