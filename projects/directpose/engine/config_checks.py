"""Config mistakes found when a tool starts, each with what to fix.

Without these checks the mistakes surface later, or cryptically: a missing
data folder when the dataloader is first built, a mistyped argument as
``FCOSPoseHead.__init__() got an unexpected keyword argument`` (the base
class, not the head the config names, and not where in the config), a
keypoint count that disagrees between the dataset and the head as a shape
error somewhere in the loss. :func:`check_config` reports them all at once,
each with its place in the config and a suggestion.
"""
import difflib
import inspect
import json
import os.path as osp
import re
import warnings
from typing import Any, Iterator, List, Optional, Sequence, Tuple

import mmpose.registry as registries
from mmengine.config import Config
from mmengine.registry import Registry
from mmpose.datasets.datasets.utils import parse_pose_metainfo

# top-level sections that hold modules, and config keys whose dicts are
# built from a registry other than their parent's
_SECTION_REGISTRY = {
    'model': 'MODELS',
    'custom_hooks': 'HOOKS',
    'default_hooks': 'HOOKS',
    'val_evaluator': 'METRICS',
    'test_evaluator': 'METRICS',
    'optim_wrapper': 'OPTIM_WRAPPERS',
    'param_scheduler': 'PARAM_SCHEDULERS',
    'visualizer': 'VISUALIZERS',
    'log_processor': 'LOG_PROCESSORS',
    'train_dataloader': None,
    'val_dataloader': None,
    'test_dataloader': None,
}
_KEY_REGISTRY = {
    'dataset': 'DATASETS',
    'datasets': 'DATASETS',
    'pipeline': 'TRANSFORMS',
    'transforms': 'TRANSFORMS',
    'sampler': 'DATA_SAMPLERS',
    'batch_sampler': 'DATA_SAMPLERS',
    'encoder': 'KEYPOINT_CODECS',
    'decoder': 'KEYPOINT_CODECS',
    'optimizer': 'OPTIMIZERS',
    'init_cfg': 'WEIGHT_INITIALIZERS',
    'vis_backends': 'VISBACKENDS',
}
# the arguments of these registries' modules are checked; the others are
# built through constructors that take more (optimizer wrappers, schedulers)
_CHECK_ARGUMENTS = {'MODELS', 'DATASETS', 'TRANSFORMS', 'HOOKS', 'METRICS'}
# keys consumed before the module is built
_NOT_ARGUMENTS = {'type', 'priority'}
# sub-configs that are plain settings even when they have a 'type'
_SETTINGS = {'train_cfg', 'test_cfg'}
# model settings with one entry per keypoint
_PER_KEYPOINT_LISTS = ('flip_indices', 'decode_keypoint_order')
_SYNTHETIC = re.compile(r'synthetic-(coco|crowdpose)-(easy|standard)')


class ConfigError(ValueError):
    """A config that cannot work; the message lists what to fix."""


def check_config(cfg: Config, phase: Optional[str] = None) -> None:
    """Check module types and arguments, keypoint counts and data paths.

    Args:
        cfg (Config): The merged config (after ``--cfg-options``).
        phase (str, optional): 'train' checks the training data (and the
            validation data when validation is on), 'test' the test data,
            None no data (the caller did not say which it will read).

    Raises:
        ConfigError: Listing every problem found.
    """
    problems = [*check_modules(cfg), *check_keypoint_counts(cfg)]
    if phase is not None:
        problems += check_data_paths(cfg, _loaders(cfg, phase))
    if problems:
        name = getattr(cfg, 'filename', None) or 'the config'
        raise ConfigError(f'{name}: {len(problems)} problem(s) to fix:\n' +
                          '\n'.join(f'  - {p}' for p in problems))


# module types and arguments ------------------------------------------------


def check_modules(cfg: Config) -> List[str]:
    """Every ``type`` names a registered module and every key of its dict
    is an argument of that module."""
    problems = []
    for path, module_cfg, registry_name in _module_configs(cfg):
        registry = getattr(registries, registry_name or 'MODELS')
        name = module_cfg['type']
        obj = registry.get(name) if registry_name else None
        if obj is None:
            obj = _find_anywhere(name)
            if obj is None:
                problems.append(_unknown_type(path, name, registry))
            continue  # built by its parent from another registry
        if registry_name in _CHECK_ARGUMENTS and not _is_layer_cfg(path):
            problems += _unknown_arguments(path, obj, module_cfg, ())
    problems += _check_train_loop(cfg)
    return problems


def _module_configs(cfg) -> Iterator[Tuple[str, dict, Optional[str]]]:
    for section, registry in _SECTION_REGISTRY.items():
        if cfg.get(section) is not None:
            yield from _walk(cfg[section], section, registry)


def _walk(node: Any, path: str, registry: Optional[str]):
    if isinstance(node, dict):
        if isinstance(node.get('type'), str):
            yield path, node, registry
        for key, value in node.items():
            if key in _SETTINGS and path == 'model':
                continue
            yield from _walk(value, f'{path}.{key}',
                             _KEY_REGISTRY.get(key, registry))
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _walk(value, f'{path}[{i}]', registry)


def _is_layer_cfg(path: str) -> bool:
    """``norm_cfg``, ``act_cfg``, ``conv_cfg``, ...: mmcv's ``build_*_layer``
    helpers take keys of their own (``requires_grad``) from these."""
    return path.rsplit('.', 1)[-1].split('[')[0].endswith('_cfg')


def _find_anywhere(name: str):
    for attr in dir(registries):
        registry = getattr(registries, attr)
        if isinstance(registry, Registry) and registry.get(name) is not None:
            return registry.get(name)
    return None


def _unknown_type(path: str, name: str, registry: Registry) -> str:
    names = set(registry.module_dict)
    if registry.parent is not None:
        names |= set(registry.parent.module_dict)
    hint = _did_you_mean(name.split('.')[-1], names)
    return (f"{path}.type='{name}' is not registered in {registry.scope}'s "
            f'{registry.name} registry.{hint} For a module of your own, add '
            "its package to custom_imports=dict(imports=[...]) so that it "
            'is registered.')


def _arguments(obj) -> Optional[set]:
    """The keyword arguments ``obj`` accepts, None for any. ``**kwargs``
    of a class's ``__init__`` is taken to go to its base class."""
    if not inspect.isclass(obj):
        return _signature_arguments(obj)[0]
    names: set = set()
    for klass in obj.__mro__:
        if '__init__' not in vars(klass):
            continue
        found, forwards = _signature_arguments(klass.__init__)
        if found is None:
            return None
        names |= found
        if not forwards:
            return names
    return None


def _signature_arguments(func) -> Tuple[Optional[set], bool]:
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature
        return None, False
    names = {
        p.name
        for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    return names - {'self'}, any(p.kind == p.VAR_KEYWORD for p in params)


def _unknown_arguments(path: str, obj, module_cfg: dict,
                       provided: Sequence[str]) -> List[str]:
    """Keys of ``module_cfg`` that ``obj`` does not take; ``provided``: the
    arguments the caller passes itself, which a config must not set."""
    accepted = _arguments(obj)
    if accepted is None:
        return []
    accepted -= set(provided)
    problems = []
    for key in module_cfg:
        if key in accepted or key in _NOT_ARGUMENTS or key.startswith('_'):
            continue
        problems.append(
            f"{path}.{key}: {module_cfg['type']} has no argument '{key}'."
            f'{_did_you_mean(key, accepted)} Its arguments: '
            f'{", ".join(sorted(accepted))}.')
    return problems


def _check_train_loop(cfg) -> List[str]:
    loop_cfg = cfg.get('train_cfg')
    if not isinstance(loop_cfg, dict) or 'type' in loop_cfg:
        return []  # a typed loop was checked with the other modules
    from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop
    loop = (
        EpochBasedTrainLoop
        if loop_cfg.get('by_epoch', True) else IterBasedTrainLoop)
    settings = {k: v for k, v in loop_cfg.items() if k != 'by_epoch'}
    return _unknown_arguments(
        'train_cfg',
        loop,
        dict(settings, type=loop.__name__),
        provided=('runner', 'dataloader'))


def _did_you_mean(name: str, choices) -> str:
    close = difflib.get_close_matches(name, sorted(choices), n=3)
    return f" Did you mean {' or '.join(repr(c) for c in close)}?" \
        if close else ''


# keypoint counts -----------------------------------------------------------


def check_keypoint_counts(cfg: Config) -> List[str]:
    """The datasets and every ``num_keypoints``, ``metainfo``,
    ``flip_indices`` and ``decode_keypoint_order`` in the model agree on
    the number of keypoints."""
    datasets = []
    for loader in ('train', 'val', 'test'):
        loader_cfg = cfg.get(f'{loader}_dataloader')
        if loader_cfg and loader_cfg.get('dataset'):
            found = _dataset_keypoints(loader_cfg['dataset'])
            if found is not None:
                count, source = found
                datasets.append(
                    (f'{loader}_dataloader.dataset', count, source))
    if not datasets or cfg.get('model') is None:
        return []
    problems = []
    for path, count in _model_keypoint_counts(cfg.model, 'model'):
        for data_path, data_count, source in datasets:
            if count != data_count:
                problems.append(
                    f'{path} has {count} keypoints but {data_path} has '
                    f'{data_count} (metainfo {source}): make them agree '
                    '(the head and any metainfo in the model must describe '
                    "the dataset's keypoints).")
                break
    return problems


def _dataset_keypoints(dataset_cfg: dict) -> Optional[Tuple[int, str]]:
    """(number of keypoints, where it comes from) of a dataset config."""
    metainfo = dataset_cfg.get('metainfo')
    if metainfo is None:
        if 'dataset' in dataset_cfg:  # RepeatDataset and other wrappers
            return _dataset_keypoints(dataset_cfg['dataset'])
        dataset_cls = registries.DATASETS.get(dataset_cfg.get('type'))
        metainfo = getattr(dataset_cls, 'METAINFO', None)
        if not metainfo:
            return None
    return _metainfo_keypoints(metainfo)


def _metainfo_keypoints(metainfo) -> Optional[Tuple[int, str]]:
    if isinstance(metainfo, str):
        metainfo = dict(from_file=metainfo)
    if 'from_file' not in metainfo and 'keypoint_info' not in metainfo:
        return None
    try:
        with warnings.catch_warnings():  # mmpose warns when it loads it
            warnings.simplefilter('ignore')
            parsed = parse_pose_metainfo(dict(metainfo))
    except Exception:  # a broken metainfo fails with its own message later
        return None
    return parsed['num_keypoints'], metainfo.get('from_file', 'inline')


def _model_keypoint_counts(node, path) -> Iterator[Tuple[str, int]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == 'num_keypoints' and isinstance(value, int):
                yield f'{path}.num_keypoints={value}', value
            elif key in _PER_KEYPOINT_LISTS and isinstance(value, list):
                yield f'{path}.{key} (a list of {len(value)})', len(value)
            elif key == 'metainfo' and isinstance(value, (str, dict)):
                found = _metainfo_keypoints(value)
                if found is not None:
                    yield f'{path}.metainfo ({found[1]})', found[0]
            else:
                yield from _model_keypoint_counts(value, f'{path}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _model_keypoint_counts(value, f'{path}[{i}]')


# data paths ----------------------------------------------------------------


def _loaders(cfg: Config, phase: str) -> Sequence[str]:
    if phase == 'test':
        return ['test']
    if phase == 'train':
        validate = cfg.get('val_cfg') is not None
        return ['train', 'val'] if validate else ['train']
    raise ValueError(f"phase must be 'train', 'test' or None, got {phase!r}")


def check_data_paths(cfg: Config, loaders: Sequence[str]) -> List[str]:
    """The data roots, annotation files and image folders of ``loaders``
    ('train', 'val', 'test') and their evaluators' annotation files
    exist."""
    problems = []
    for loader in loaders:
        loader_cfg = cfg.get(f'{loader}_dataloader')
        if loader_cfg and loader_cfg.get('dataset'):
            problems += _dataset_paths(loader_cfg['dataset'],
                                       f'{loader}_dataloader.dataset')
        if loader != 'train':
            problems += _evaluator_paths(
                cfg.get(f'{loader}_evaluator'), f'{loader}_evaluator',
                _evaluated_file(loader_cfg, f'{loader}_dataloader'))
    return list(dict.fromkeys(problems))  # test data is often the val data


def _dataset_paths(dataset_cfg: dict, path: str) -> List[str]:
    if 'dataset' in dataset_cfg:
        return _dataset_paths(dataset_cfg['dataset'], f'{path}.dataset')
    if 'datasets' in dataset_cfg:
        return [
            p for i, d in enumerate(dataset_cfg['datasets'])
            for p in _dataset_paths(d, f'{path}.datasets[{i}]')
        ]
    root = dataset_cfg.get('data_root') or ''
    checks = [('data_root', root, osp.isdir)] if root else []
    if dataset_cfg.get('ann_file'):
        checks.append(('ann_file', _join(root,
                                         dataset_cfg['ann_file']), osp.isfile))
    for key, prefix in (dataset_cfg.get('data_prefix') or {}).items():
        if isinstance(prefix, str) and prefix:
            checks.append((f'data_prefix.{key}', _join(root,
                                                       prefix), osp.isdir))
    for key, file, exists in checks:
        if '://' not in file and not exists(file):
            return [_missing(f'{path}.{key}', file)]  # the first is enough
    return []


def _evaluated_file(loader_cfg, path: str) -> Tuple[str, Optional[str]]:
    """Where an evaluator without ``ann_file`` takes its ground truth: the
    loader's dataset's annotation file (None for dataset wrappers)."""
    dataset = (loader_cfg or {}).get('dataset') or {}
    if not dataset.get('ann_file'):
        return path, None
    return f'{path}.dataset.ann_file', _join(
        dataset.get('data_root') or '', dataset['ann_file'])


def _evaluator_paths(evaluator, path: str,
                     dataset_file: Tuple[str, Optional[str]]) -> List[str]:
    metrics = evaluator if isinstance(evaluator,
                                      (list, tuple)) else [evaluator]
    problems = []
    for metric in metrics:
        if not isinstance(metric, dict):
            continue
        key, ann_file = f'{path}.ann_file', metric.get('ann_file')
        if ann_file and '://' not in ann_file and not osp.isfile(ann_file):
            problems.append(_missing(key, ann_file))
            continue
        if not ann_file:
            key, ann_file = dataset_file
        if (metric.get('type') == 'CocoMetric'
                and not metric.get('format_only') and ann_file
                and osp.isfile(ann_file) and not _has_annotations(ann_file)):
            problems.append(_image_list(key, ann_file))
    return problems


def _has_annotations(ann_file: str) -> bool:
    """False for a JSON object without ``annotations`` (an image list);
    True otherwise, also for a file that is not JSON (the dataset names
    that)."""
    try:
        with open(ann_file) as f:
            content = json.load(f)
    except ValueError:
        return True
    return not isinstance(content, dict) or 'annotations' in content


def _image_list(key: str, path: str) -> str:
    """mmpose's CocoMetric asserts 'Ground truth annotations are required'
    without naming the file; this says which and what to do instead."""
    return (f"{key}: {path} has no 'annotations' (an image list, like COCO "
            'test-dev): there is no ground truth to evaluate against. Give '
            'an annotated file, or predict the image list with `python '
            'tools/submit.py CONFIG CHECKPOINT --split test-dev '
            f'--image-list {path} --img-dir IMAGES` (docs/submission.md).')


def _join(root: str, path: str) -> str:
    return path if osp.isabs(path) or not root else osp.join(root, path)


def _missing(key: str, path: str) -> str:
    synthetic = _SYNTHETIC.search(path)
    if synthetic:
        fmt, preset = synthetic.groups()
        how = ('generate it with `python tools/dataset/make_synthetic.py '
               f'--format {fmt} --preset {preset}` (writes '
               f'data/synthetic-{fmt}-{preset}/; add --out DIR for another '
               'place)')
    else:
        how = ('put the data there (see docs/install.md) or point the config '
               f'at your copy, e.g. --cfg-options {key}=PATH')
    return f'{key}: {path} does not exist; {how}.'
