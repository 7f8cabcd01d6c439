"""The model zoo: ``model-index.yml`` (OpenMMLab's format) resolved to
configs and checkpoints.

``model-index.yml`` at the repository root imports one ``metafile.yml`` per
method folder (``configs/<method>/metafile.yml``). Besides OpenMMLab's
fields (``Name``, ``Config``, ``Weights``, ``Results``, ...) a model may
carry ``Weights SHA256`` (the full digest, ``null`` until computed) and
``Weights Note`` (why there is no ``Weights``, or what to do with them).
"""
import difflib
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, Optional
from urllib.parse import urlparse

import yaml

from directpose.utils import CheckpointNotFoundError, download_checkpoint

URL_SCHEMES = ('http', 'https', 'file')


@dataclass(frozen=True)
class ModelZooEntry:
    """One model of the zoo.

    Attributes:
        name (str): The model-zoo name (the config's file name).
        config (str): Absolute path of the config.
        collection (str): The method (``In Collection``).
        weights (str, optional): The checkpoint URL.
        sha256 (str, optional): The checkpoint's full sha256, if computed.
        weights_note (str, optional): Where the weights come from, or why
            there are none.
    """
    name: str
    config: str
    collection: str
    weights: Optional[str] = None
    sha256: Optional[str] = None
    weights_note: Optional[str] = None


def default_model_index() -> str:
    """``$DIRECTPOSE_MODEL_INDEX`` or the repository's ``model-index.yml``."""
    if os.environ.get('DIRECTPOSE_MODEL_INDEX'):
        return os.environ['DIRECTPOSE_MODEL_INDEX']
    package = osp.dirname(osp.dirname(osp.abspath(__file__)))
    return osp.join(osp.dirname(osp.dirname(package)), 'model-index.yml')


def load_model_zoo(
        index_file: Optional[str] = None) -> Dict[str, ModelZooEntry]:
    """Read ``model-index.yml`` and the metafiles it imports.

    Args:
        index_file (str, optional): Defaults to :func:`default_model_index`.

    Returns:
        dict: model-zoo name -> :class:`ModelZooEntry`.
    """
    index_file = index_file or default_model_index()
    if not osp.isfile(index_file):
        raise FileNotFoundError(
            f'model index {index_file} not found; set DIRECTPOSE_MODEL_INDEX '
            'to the model-index.yml of an mmpose-directpose checkout')
    root = osp.dirname(osp.abspath(index_file))
    index = _read_yaml(index_file)
    entries = {}
    for metafile in index.get('Import') or []:
        path = osp.join(root, metafile)
        for model in _read_yaml(path).get('Models') or []:
            entry = _entry(model, root, path)
            if entry.name in entries:
                raise ValueError(f'{path}: model {entry.name} is listed '
                                 'twice in the model zoo')
            entries[entry.name] = entry
    return entries


def _read_yaml(path: str) -> dict:
    if not osp.isfile(path):
        raise FileNotFoundError(f'metafile {path} not found')
    with open(path) as f:
        data = yaml.safe_load(f)
    if not isinstance(data, dict):
        raise ValueError(f'{path}: expected a YAML mapping')
    return data


def _entry(model: dict, root: str, metafile: str) -> ModelZooEntry:
    missing = [
        k for k in ('Name', 'Config', 'In Collection') if k not in model
    ]
    if missing:
        raise ValueError(f'{metafile}: model {model.get("Name", "?")} lacks '
                         f'{", ".join(missing)}')
    return ModelZooEntry(
        name=model['Name'],
        config=osp.normpath(osp.join(root, model['Config'])),
        collection=model['In Collection'],
        weights=model.get('Weights'),
        sha256=model.get('Weights SHA256'),
        weights_note=model.get('Weights Note'))


def get_model_zoo_entry(name: str,
                        index_file: Optional[str] = None) -> ModelZooEntry:
    """The model-zoo entry called ``name``.

    Raises:
        KeyError: naming the closest model-zoo names.
    """
    zoo = load_model_zoo(index_file)
    if name not in zoo:
        close = difflib.get_close_matches(name, list(zoo), n=3, cutoff=0.5)
        hint = f'; did you mean {", ".join(close)}?' if close else \
            '; tools/download_checkpoint.py --list shows the names'
        raise KeyError(f'{name} is not a model-zoo name{hint}')
    return zoo[name]


def is_url(text: str) -> bool:
    return urlparse(text).scheme in URL_SCHEMES


def resolve_config(config: str, index_file: Optional[str] = None) -> str:
    """A config path, or the config of a model-zoo name."""
    if osp.isfile(config):
        return config
    try:
        return get_model_zoo_entry(config, index_file).config
    except KeyError as exc:
        raise FileNotFoundError(
            f'{config} is neither a config file nor a model-zoo name '
            f'({exc.args[0]})') from exc


def resolve_checkpoint(checkpoint: str,
                       cache_dir: Optional[str] = None,
                       index_file: Optional[str] = None,
                       progress: bool = True) -> str:
    """A local checkpoint file for a path, a URL or a model-zoo name.

    URLs and model-zoo names are downloaded into the cache
    (:func:`~directpose.utils.download_checkpoint`, verified against the
    metafile's ``Weights SHA256`` or the hash prefix in the file name).

    Raises:
        CheckpointNotFoundError: ``checkpoint`` is none of these, or the
            model-zoo entry has no public weights (the message says why).
    """
    if is_url(checkpoint):
        return download_checkpoint(
            checkpoint, cache_dir=cache_dir, progress=progress)
    if osp.isfile(checkpoint):
        return checkpoint
    try:
        entry = get_model_zoo_entry(checkpoint, index_file)
    except KeyError as exc:
        raise CheckpointNotFoundError(
            f'{checkpoint} is not a checkpoint file, a URL or a model-zoo '
            f'name ({exc.args[0]})') from exc
    if not entry.weights:
        note = entry.weights_note or 'no checkpoint is published'
        raise CheckpointNotFoundError(
            f'{entry.name} has no downloadable checkpoint: {note}')
    return download_checkpoint(
        entry.weights,
        cache_dir=cache_dir,
        sha256=entry.sha256,
        progress=progress)
