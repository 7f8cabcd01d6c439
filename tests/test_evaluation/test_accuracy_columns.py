"""The accuracy columns of COCO- and CrowdPose-style metrics."""
import pytest

from directpose.evaluation.accuracy_columns import accuracy, metric_style


def test_accuracy_columns_of_coco_and_crowdpose():
    coco = {
        'coco/AP': 0.5,
        'coco/AP .5': 0.8,
        'coco/AP .75': 0.4,
        'coco/AP (M)': 0.3,
        'coco/AP (L)': 0.6,
        'coco/AR': 0.55,
        'coco/AR .5': 0.9
    }
    assert metric_style(coco) == 'coco'
    assert accuracy(coco) == dict(
        AP=0.5, AP50=0.8, AP75=0.4, APM=0.3, APL=0.6, AR=0.55)
    crowd = {
        f'crowdpose/{k}': 0.1 * i
        for i, k in enumerate([
            'AP', 'AP .5', 'AP .75', 'AR', 'AR .5', 'AR .75', 'AP(E)', 'AP(M)',
            'AP(H)'
        ])
    }
    assert metric_style(crowd) == 'crowdpose'
    assert list(accuracy(crowd)) == [
        'AP', 'AP50', 'AP75', 'AR', 'AP(E)', 'AP(M)', 'AP(H)'
    ]
    with pytest.raises(KeyError, match='CocoMetric'):
        accuracy({'PCK': 0.9})
