"""A method's row of a study: what :class:`~.method.MethodRun` produces,
``result.json`` keeps between runs, and the report reads.

The JSON layout (:meth:`MethodResult.to_dict`) is flat, one key a field of
accuracy, cost or speed, as the study has always written it, so that the
``result.json`` of a finished method stays finished.
"""
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Dict, List, Optional

from directpose.evaluation.accuracy_columns import (ACCURACY_COLUMNS, accuracy,
                                                    metric_style)

# table column -> Accuracy field
_ACCURACY_FIELDS = {
    'AP': 'ap',
    'AP50': 'ap50',
    'AP75': 'ap75',
    'APM': 'ap_m',
    'APL': 'ap_l',
    'AR': 'ar',
    'AP(E)': 'ap_easy',
    'AP(M)': 'ap_medium',
    'AP(H)': 'ap_hard',
}


@dataclass
class Accuracy:
    """The accuracy columns of the test evaluator (mmpose's
    ``CocoMetric``), in its COCO or CrowdPose style.

    Args:
        style (str): 'coco' or 'crowdpose' (which fields are set).
        ap, ap50, ap75, ar (float): AP at OKS .50:.95, .50 and .75; AR.
        ap_m, ap_l (float, optional): COCO: AP of medium and large persons.
        ap_easy, ap_medium, ap_hard (float, optional): CrowdPose: AP of
            uncrowded, medium and crowded images.
    """

    style: str
    ap: float
    ap50: float
    ap75: float
    ar: float
    ap_m: Optional[float] = None
    ap_l: Optional[float] = None
    ap_easy: Optional[float] = None
    ap_medium: Optional[float] = None
    ap_hard: Optional[float] = None

    @classmethod
    def from_columns(cls, style: str, columns: Dict[str, float]) -> 'Accuracy':
        """From the columns of :func:`accuracy`, e.g. ``{'AP': 0.5, ...}``.

        Raises:
            KeyError: A column of ``style`` is missing.
        """
        return cls(
            style=style,
            **{
                _ACCURACY_FIELDS[column]: columns[column]
                for column, _ in ACCURACY_COLUMNS[style]
            })

    @classmethod
    def from_metrics(cls, metrics: Dict[str, float]) -> 'Accuracy':
        """From ``runner.test()``'s metrics (see :func:`accuracy`)."""
        return cls.from_columns(metric_style(metrics), accuracy(metrics))

    def columns(self) -> Dict[str, float]:
        """The columns of its style, in table order."""
        return {
            column: getattr(self, _ACCURACY_FIELDS[column])
            for column, _ in ACCURACY_COLUMNS[self.style]
        }


@dataclass
class Cost:
    """What the method costs, besides inference time.

    Args:
        params (float): Parameters of the inference model.
        flops (float, optional): FLOPs of its network forward on one test
            image; None where the complexity analysis failed.
        input_shape (list[int]): That image's network input, C x H x W.
        train_seconds (float, optional): Wall time of training; None for a
            method tested from a ``checkpoint``.
        test_seconds (float): Wall time of the test.
        train_jobs (int): How many trainings shared the CPU cores while
            this one ran (``tools/compare.py --train-jobs``): its
            ``train_seconds`` are wall time under that sharing.
    """

    params: float
    flops: Optional[float]
    input_shape: List[int]
    train_seconds: Optional[float]
    test_seconds: float
    train_jobs: int = 1


@dataclass
class BackendSpeed:
    """The timings of one backend, or why it could not run.

    Args:
        latency (dict): :meth:`~directpose.benchmark.SpeedMeter.time` on
            test-set images: per stage and ``total``, summaries in ms
            (``median``, ``p25``, ``p75``, ``n``, ...); ``instances``;
            ``memory_mib``.
        persons (list[dict]): The same on synthetic scenes, one a person
            count (``persons``), with the scene's ``annotated`` persons and
            the ``recall`` at OKS 0.5 of a ``test_step`` on it (both absent
            in results made before they were recorded).
        error (str, optional): Why the backend did not run (e.g. a head
            without an ONNX exporter); then the rest is empty.
    """

    latency: dict = field(default_factory=dict)
    persons: List[dict] = field(default_factory=list)
    error: Optional[str] = None

    @classmethod
    def from_dict(cls, data: dict) -> 'BackendSpeed':
        return cls(**data)

    def to_dict(self) -> dict:
        if self.error is not None:
            return dict(error=self.error)
        return dict(latency=self.latency, persons=self.persons)


@dataclass
class Speed:
    """Inference speed with each backend of the study's ``speed.backend``.

    Args:
        device (str): The device, in words (e.g. 'cpu (2 threads)').
        memory_kind (str): What ``memory_mib`` measures there.
        backend (str): The first backend, whose latency the table shows.
        backends (dict[str, BackendSpeed]): Every backend, in study order.
    """

    device: str
    memory_kind: str
    backend: str
    backends: Dict[str, BackendSpeed]

    @property
    def latency(self) -> dict:
        """The first backend's latency on test-set images."""
        return self.backends[self.backend].latency

    @property
    def persons(self) -> List[dict]:
        """The first backend's latency per person count."""
        return self.backends[self.backend].persons


@dataclass
class SubsetAP:
    """AP on a subset of the validation set (see
    :class:`~directpose.evaluation.Subset`).

    Args:
        name (str): The subset, e.g. 'persons 1-2' or 'area 0-677.5'.
        ap (float): Its AP at OKS .50:.95; -1 where it has no person.
        images (int): Its images (of a 'persons' subset; every image of
            the set for an 'area' one).
        persons (int): Its annotated persons.
    """

    name: str
    ap: float
    images: int
    persons: int


@dataclass
class ValRepeat:
    """The test repeated on a validation set drawn with another seed.

    Args:
        seed (int): The seed of that validation set.
        ap (float): Its AP at OKS .50:.95.
        metrics (dict): All metrics of that test.
    """

    seed: int
    ap: float
    metrics: Dict[str, float] = field(default_factory=dict)


@dataclass
class Scenes:
    """The synthetic scenes of the latency against the number of persons.

    Args:
        preset (str): Their synthetic preset.
        image_size (int): Their side, in pixels.
        max_persons (int): The most persons an image of that preset's data
            has; counts above it are outside its training distribution.
    """

    preset: str
    image_size: int
    max_persons: int


@dataclass
class MethodResult:
    """One method's row: a finished method has ``accuracy``, ``cost`` and
    ``speed``; a failed one only its ``name`` and ``error``.

    Args:
        name (str): The method's name in the study.
        config (str): Its config file.
        key (str): Digest of the config, checkpoint and speed settings it
            was made with (a changed one makes the method run again).
        checkpoint (str): The checkpoint that was tested.
        metrics (dict): All metrics of ``runner.test()``.
        accuracy (Accuracy): The accuracy columns.
        cost (Cost): Parameters, FLOPs, training and test time.
        speed (Speed): Latency, per person count, memory, per backend.
        subsets (list[SubsetAP]): AP on subsets of the validation set, in
            the study's order (empty where the study has none).
        val_repeats (list[ValRepeat]): The test on further validation sets
            (the study's ``dataset.val_seeds`` after the first).
        scenes (Scenes, optional): What the scenes timed per person count
            were (None in results made before it was recorded).
        error (str, optional): Why the method has no results.
    """

    name: str
    config: str = ''
    key: Optional[str] = None
    checkpoint: Optional[str] = None
    metrics: Dict[str, float] = field(default_factory=dict)
    accuracy: Optional[Accuracy] = None
    cost: Optional[Cost] = None
    speed: Optional[Speed] = None
    subsets: List[SubsetAP] = field(default_factory=list)
    val_repeats: List[ValRepeat] = field(default_factory=list)
    scenes: Optional[Scenes] = None
    error: Optional[str] = None

    def val_gap(self) -> Optional[float]:
        """The largest difference between the AP and the AP of a further
        validation set; None without one."""
        if not self.val_repeats or self.accuracy is None:
            return None
        return max(abs(r.ap - self.accuracy.ap) for r in self.val_repeats)

    @classmethod
    def failed(cls, name: str, error: str) -> 'MethodResult':
        """The row of a method that could not run."""
        return cls(name=name, error=error)

    def to_dict(self) -> dict:
        """The ``result.json`` layout: the method's fields, then those of
        accuracy (``metric_style`` and the columns), cost (``train_jobs``
        only where it is not 1) and speed, and the first backend's
        ``latency`` and ``persons`` again; then, where there are any,
        ``subsets``, ``val_repeats`` and ``scenes``."""
        if self.error is not None:
            return dict(name=self.name, error=self.error)
        data = dict(
            name=self.name,
            config=self.config,
            key=self.key,
            checkpoint=self.checkpoint,
            metric_style=self.accuracy.style,
            accuracy=self.accuracy.columns(),
            metrics=self.metrics)
        data.update({f.name: getattr(self.cost, f.name) for f in fields(Cost)})
        if self.cost.train_jobs == 1:  # the layout of before it existed
            del data['train_jobs']
        data.update(
            device=self.speed.device,
            memory_kind=self.speed.memory_kind,
            backend=self.speed.backend,
            latency=self.speed.latency,
            persons=self.speed.persons,
            backends={
                name: timed.to_dict()
                for name, timed in self.speed.backends.items()
            })
        if self.subsets:
            data['subsets'] = [asdict(subset) for subset in self.subsets]
        if self.val_repeats:
            data['val_repeats'] = [asdict(r) for r in self.val_repeats]
        if self.scenes is not None:
            data['scenes'] = asdict(self.scenes)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> 'MethodResult':
        """Inverse of :meth:`to_dict`.

        A ``result.json`` written before ``subsets``, ``val_repeats``,
        ``scenes`` and ``train_jobs`` were recorded reads with them empty
        (``train_jobs`` 1).

        Raises:
            KeyError: ``data`` lacks a field (e.g. an older layout).
        """
        if data.get('error') is not None:
            return cls.failed(data['name'], data['error'])
        return cls(
            name=data['name'],
            config=data['config'],
            key=data['key'],
            checkpoint=data['checkpoint'],
            metrics=data['metrics'],
            accuracy=Accuracy.from_columns(data['metric_style'],
                                           data['accuracy']),
            cost=Cost(
                **{
                    f.name: data[f.name]
                    for f in fields(Cost)
                    if f.name in data or f.default is MISSING
                }),
            speed=Speed(
                device=data['device'],
                memory_kind=data['memory_kind'],
                backend=data['backend'],
                backends={
                    name: BackendSpeed.from_dict(timed)
                    for name, timed in data['backends'].items()
                }),
            subsets=[SubsetAP(**subset) for subset in data.get('subsets', [])],
            val_repeats=[ValRepeat(**r) for r in data.get('val_repeats', [])],
            scenes=Scenes(**data['scenes']) if data.get('scenes') else None)
