"""The accuracy columns of a table (a study, a device check), from a
COCO-style keypoint evaluator's metrics (mmpose's ``CocoMetric``)."""
from typing import Dict, List, Tuple

# (column, evaluator statistic) pairs, per keypoint evaluation style
ACCURACY_COLUMNS: Dict[str, List[Tuple[str, str]]] = {
    'coco': [('AP', 'AP'), ('AP50', 'AP .5'), ('AP75', 'AP .75'),
             ('APM', 'AP (M)'), ('APL', 'AP (L)'), ('AR', 'AR')],
    'crowdpose': [('AP', 'AP'), ('AP50', 'AP .5'), ('AP75', 'AP .75'),
                  ('AR', 'AR'), ('AP(E)', 'AP(E)'), ('AP(M)', 'AP(M)'),
                  ('AP(H)', 'AP(H)')],
}


def metric_style(metrics: Dict[str, float]) -> str:
    """'crowdpose' when the metrics have the CrowdPose statistics (AP(E),
    AP(M), AP(H)), else 'coco'."""
    names = {key.rsplit('/', 1)[-1] for key in metrics}
    return 'crowdpose' if 'AP(E)' in names else 'coco'


def accuracy(metrics: Dict[str, float]) -> Dict[str, float]:
    """The study's accuracy columns from ``runner.test()``'s metrics,
    e.g. ``{'coco/AP': 0.5, 'coco/AP .5': 0.8, ...}`` gives
    ``{'AP': 0.5, 'AP50': 0.8, ...}``.

    Raises:
        KeyError: If the metrics are not those of a COCO-style keypoint
            evaluator (``CocoMetric``).
    """
    by_name = {key.rsplit('/', 1)[-1]: value for key, value in metrics.items()}
    columns = ACCURACY_COLUMNS[metric_style(metrics)]
    missing = [stat for _, stat in columns if stat not in by_name]
    if missing:
        raise KeyError(f'the test metrics {sorted(metrics)} lack {missing}; '
                       'the study needs a CocoMetric test evaluator')
    return {column: float(by_name[stat]) for column, stat in columns}
