"""Study files: which methods to compare, on which data, and how to time
them.

A study is an mmengine config file (see ``configs/studies/``)::

    work_dir = 'work_dirs/my_study'       # results and one folder a method
    dataset = dict(                       # optional: made if absent, and
        type='synthetic', root='data/synthetic-coco-easy',  # every method
        preset='easy', format='coco')     # is pointed at it
    cfg_options = {'train_dataloader.num_workers': 0}  # every method
    speed = dict(runs=20, persons=(1, 5, 10, 20, 40),   # see SpeedSpec
                 backend=('pytorch', 'onnxruntime'))
    subsets = dict(persons=(1, 3, 6), area=(0, 677.5, 1105.5))  # SubsetSpec
    methods = [
        dict(name='RTMO', config='configs/rtmo/....py'),
        dict(name='DirectPose', config='configs/directpose/....py',
             checkpoint='https://.../directpose.pth',  # no training
             cfg_options={'train_cfg.max_epochs': 10}),
    ]
"""
import os.path as osp
import re
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Tuple

from mmengine.config import Config

from directpose.benchmark import BACKENDS
from directpose.datasets.synthetic import SYNTHETIC_PRESETS
from directpose.evaluation import SUBSET_KINDS, Subset, subsets_from_edges

_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.+-]*$')
_STUDY_KEYS = {
    'work_dir', 'dataset', 'cfg_options', 'speed', 'subsets', 'methods'
}
_METHOD_KEYS = {'name', 'config', 'checkpoint', 'cfg_options'}
_DATASET_KEYS = {
    'type', 'root', 'preset', 'format', 'num_train', 'num_val', 'val_seeds'
}
#: the preset of the person-count scenes of a study without a dataset
DEFAULT_SCENE_PRESET = 'standard'


class StudyError(ValueError):
    """A study file that cannot be run; the message names the field."""


@dataclass
class MethodSpec:
    """One method of a study.

    Args:
        name (str): Row label and folder name under the study's work dir.
        config (str): The method's config file.
        checkpoint (str, optional): Weights to test instead of training.
        cfg_options (dict): Overrides of the config, merged after the
            study-wide ``cfg_options``.
    """

    name: str
    config: str
    checkpoint: Optional[str] = None
    cfg_options: dict = field(default_factory=dict)


@dataclass
class SpeedSpec:
    """How speed and cost are measured.

    Args:
        device (str): 'auto' (CUDA when available), 'cpu' or 'cuda[:i]'.
        warmup (int): Untimed runs before each timed series.
        runs (int): Timed runs (batch 1) of each series; medians and
            inter-quartile ranges are reported.
        images (int): Test-set images the latency series cycles through.
        persons (tuple[int]): Person counts of the synthetic scenes timed
            for latency against the number of persons.
        persons_image_size (int, optional): Side of those scenes, in pixels
            (the test pipeline then resizes them to the model's input);
            default: the image side of ``persons_preset``.
        persons_preset (str, optional): Synthetic preset the scenes are
            drawn from; default: the study's ``dataset.preset`` (so a study
            on ``crowd`` times crowd scenes at 160 pixels), else
            :data:`DEFAULT_SCENE_PRESET`. A count above the preset's
            ``max_persons`` is still rendered (the persons shrink to the
            preset's smallest stature and overlap more than its data) and
            marked in the table.
        backend (tuple[str]): The backends that run the model: 'pytorch'
            (eager) and/or 'onnxruntime' (its ONNX export), or one of them
            as a str. The first gives the latency columns; each further one
            adds a latency column and its ratio to the first.
    """

    device: str = 'auto'
    warmup: int = 3
    runs: int = 20
    images: int = 10
    persons: Tuple[int, ...] = (1, 5, 10, 20, 40)
    persons_image_size: Optional[int] = None
    persons_preset: Optional[str] = None
    backend: Tuple[str, ...] = ('pytorch', )


@dataclass
class DatasetSpec:
    """A synthetic dataset that the study makes if absent and points every
    method's dataloaders and evaluators at.

    Args:
        root (str): Its folder (``annotations/{train,val}.json``,
            ``train/``, ``val/``).
        preset (str): A synthetic preset: 'easy', 'crowd' or 'standard'.
        format (str): 'coco' or 'crowdpose'.
        num_train (int, optional): Training images (preset's default).
        num_val (int, optional): Validation images (preset's default).
        val_seeds (tuple[int]): Seeds of the validation sets every method is
            tested on. The first is the dataset's own (made with seed 0, so
            it must be 0); each further seed ``s`` gets a validation set of
            as many images in ``<root>/val_seed<s>/`` (its own
            ``annotations/val.json`` and ``val/``; its ``train.json`` is
            empty), and the table shows the AP on it beside the AP.
    """

    root: str
    preset: str = 'easy'
    format: str = 'coco'
    num_train: Optional[int] = None
    num_val: Optional[int] = None
    val_seeds: Tuple[int, ...] = (0, )

    def val_roots(self) -> Dict[int, str]:
        """The root of the validation set of each of ``val_seeds``."""
        return {
            seed:
            self.root if i == 0 else osp.join(self.root, f'val_seed{seed}')
            for i, seed in enumerate(self.val_seeds)
        }


@dataclass
class SubsetSpec:
    """Subsets of the validation set whose AP the table shows beside the
    AP (COCO's AP at OKS .50:.95, by xtcocotools' ``COCOeval`` on the
    keypoint results of the test, see
    :func:`directpose.evaluation.subset_ap`).

    Args:
        persons (tuple[int]): Edges of the bins of images by their number
            of annotated persons: ``(1, 3, 6)`` gives 1-2, 3-5 and 6+.
        area (tuple[float]): Edges of the bins of persons by annotated area
            (pixels, COCO's ``area``; visible pixels for synthetic data),
            e.g. ``(0, 677.5, 1105.5)``: small, medium, large.
    """

    persons: Tuple[int, ...] = ()
    area: Tuple[float, ...] = ()

    def subsets(self) -> List[Subset]:
        """Every bin, persons first."""
        return [
            subset for kind in SUBSET_KINDS if getattr(self, kind)
            for subset in subsets_from_edges(kind, getattr(self, kind))
        ]


@dataclass
class StudySpec:
    """A parsed study file; see the module docstring."""

    path: str
    work_dir: str
    methods: List[MethodSpec]
    speed: SpeedSpec = field(default_factory=SpeedSpec)
    dataset: Optional[DatasetSpec] = None
    cfg_options: dict = field(default_factory=dict)
    subsets: SubsetSpec = field(default_factory=SubsetSpec)

    def method(self, name: str) -> MethodSpec:
        for method in self.methods:
            if method.name == name:
                return method
        raise StudyError(f'{self.path}: no method named {name!r}; it has '
                         f'{[m.name for m in self.methods]}')

    def to_dict(self) -> dict:
        return asdict(self)


def _check_keys(where: str, given: dict, allowed: set) -> None:
    unknown = sorted(set(given) - allowed)
    if unknown:
        raise StudyError(f'{where}: unknown field(s) {unknown}; expected '
                         f'some of {sorted(allowed)}')


def _plain(value):
    """ConfigDicts and tuples of a config as plain dicts and lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _parse_method(path: str, index: int, entry) -> MethodSpec:
    where = f'{path}: methods[{index}]'
    if not isinstance(entry, dict):
        raise StudyError(f'{where}: expected a dict with a `config`, got '
                         f'{type(entry).__name__}')
    _check_keys(where, entry, _METHOD_KEYS)
    if not entry.get('config'):
        raise StudyError(f'{where}: `config` (a method config file) is '
                         'missing')
    name = entry.get('name') or osp.splitext(osp.basename(entry['config']))[0]
    if not _NAME.match(name):
        raise StudyError(f'{where}: name {name!r} must be letters, digits '
                         "and '_.+-' (it names a folder)")
    options = _plain(entry.get('cfg_options') or {})
    if not isinstance(options, dict):
        raise StudyError(f'{where}: `cfg_options` must be a dict')
    return MethodSpec(name, entry['config'], entry.get('checkpoint'), options)


def _parse_speed(path: str, given) -> SpeedSpec:
    given = _plain(given or {})
    _check_keys(f'{path}: speed', given, set(SpeedSpec.__dataclass_fields__))
    speed = SpeedSpec(**given)
    for key in ('warmup', 'runs', 'images', 'persons_image_size'):
        value = getattr(speed, key)
        if key == 'persons_image_size' and value is None:
            continue
        if not _is_int(value) or value < (0 if key == 'warmup' else 1):
            raise StudyError(f'{path}: speed.{key} must be an integer >= '
                             f"{0 if key == 'warmup' else 1}, got {value!r}")
    if not (isinstance(speed.persons, (list, tuple))
            and all(_is_int(n) and n >= 0 for n in speed.persons)):
        raise StudyError(f'{path}: speed.persons must be a list of person '
                         f'counts >= 0, got {speed.persons!r}')
    speed.persons = tuple(speed.persons)
    backends = [speed.backend] if isinstance(speed.backend,
                                             str) else speed.backend
    speed.backend = tuple(backends)
    if not speed.backend or any(b not in BACKENDS for b in speed.backend) \
            or len(set(speed.backend)) != len(speed.backend):
        raise StudyError(f'{path}: speed.backend must be one or more '
                         f'distinct backends of {BACKENDS}, got '
                         f'{given.get("backend")!r}')
    if speed.persons_preset is not None \
            and speed.persons_preset not in SYNTHETIC_PRESETS:
        raise StudyError(f'{path}: speed.persons_preset must be one of '
                         f'{sorted(SYNTHETIC_PRESETS)}, got '
                         f'{speed.persons_preset!r}')
    return speed


def _scene_defaults(speed: SpeedSpec, dataset: Optional[DatasetSpec]) -> None:
    """Fill in the scenes' preset (the dataset's, else the default) and
    their side (the preset's image side)."""
    if speed.persons_preset is None:
        speed.persons_preset = dataset.preset if dataset is not None \
            else DEFAULT_SCENE_PRESET
    if speed.persons_image_size is None:
        speed.persons_image_size = SYNTHETIC_PRESETS[
            speed.persons_preset].image_size[0]


def _parse_subsets(path: str, given) -> SubsetSpec:
    given = _plain(given or {})
    if not isinstance(given, dict):
        raise StudyError(f'{path}: `subsets` must be a dict like '
                         'dict(persons=(1, 3, 6), area=(0, 500.5, 1000.5))')
    _check_keys(f'{path}: subsets', given, set(SUBSET_KINDS))
    for kind, edges in given.items():
        try:
            subsets_from_edges(kind, edges)
        except (TypeError, ValueError) as error:
            raise StudyError(f'{path}: subsets.{kind}: {error}') from None
    return SubsetSpec(**{k: tuple(v) for k, v in given.items()})


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_dataset(path: str, given) -> Optional[DatasetSpec]:
    if given is None:
        return None
    given = _plain(given)
    _check_keys(f'{path}: dataset', given, _DATASET_KEYS)
    if given.pop('type', 'synthetic') != 'synthetic':
        raise StudyError(f"{path}: dataset.type must be 'synthetic' (other "
                         'data is named by the method configs themselves)')
    if 'root' not in given:
        raise StudyError(f'{path}: dataset.root (its folder) is missing')
    if given.get('preset', 'easy') not in SYNTHETIC_PRESETS:
        raise StudyError(f'{path}: dataset.preset must be one of '
                         f'{sorted(SYNTHETIC_PRESETS)}, got '
                         f'{given["preset"]!r}')
    seeds = given.get('val_seeds', (0, ))
    if not (isinstance(seeds, (list, tuple)) and seeds
            and all(_is_int(s) and s >= 0 for s in seeds)
            and len(set(seeds)) == len(seeds) and seeds[0] == 0):
        raise StudyError(f'{path}: dataset.val_seeds must be distinct seeds '
                         '>= 0, the first 0 (the seed the dataset is made '
                         f'with), e.g. (0, 1); got {seeds!r}')
    given['val_seeds'] = tuple(seeds)
    return DatasetSpec(**given)


def load_study(path: str, work_dir: Optional[str] = None) -> StudySpec:
    """Read and check a study file.

    Args:
        path (str): The study config file.
        work_dir (str, optional): Overrides the file's ``work_dir``
            (default ``work_dirs/<study name>``).

    Returns:
        StudySpec: The study.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'study file {path} does not exist')
    cfg = Config.fromfile(path)
    _check_keys(path, {k
                       for k in cfg.keys() if not k.startswith('_')},
                _STUDY_KEYS)
    methods = cfg.get('methods')
    if not methods or not isinstance(methods, (list, tuple)):
        raise StudyError(f'{path}: `methods` must be a non-empty list of '
                         'dicts with a `config`')
    parsed = [_parse_method(path, i, m) for i, m in enumerate(methods)]
    names = [m.name for m in parsed]
    if len(set(names)) != len(names):
        raise StudyError(f'{path}: method names must be unique, got {names}')
    default_dir = osp.join('work_dirs', osp.splitext(osp.basename(path))[0])
    speed = _parse_speed(path, cfg.get('speed'))
    dataset = _parse_dataset(path, cfg.get('dataset'))
    _scene_defaults(speed, dataset)
    return StudySpec(
        path=path,
        work_dir=work_dir or cfg.get('work_dir') or default_dir,
        methods=parsed,
        speed=speed,
        dataset=dataset,
        cfg_options=_plain(cfg.get('cfg_options') or {}),
        subsets=_parse_subsets(path, cfg.get('subsets')))
