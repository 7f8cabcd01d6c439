"""A config as JSON text, for the metadata of an exported file.

An mmengine config file is Python that loading runs; a model file from
elsewhere must not run code when it is read (as checkpoints are loaded
weights-only). So the config travels as JSON, and tuples, which mmpose
tells apart from lists (``BottomupResize`` compares sizes with ``!=``),
as ``{"__tuple__": [...]}``.
"""
import json
from typing import Any

from mmengine.config import Config

from .errors import ExportError

_TUPLE = '__tuple__'


def _encode(value: Any, where: str) -> Any:
    if isinstance(value, dict):
        return {
            str(key): _encode(item, f'{where}.{key}')
            for key, item in value.items()
        }
    if isinstance(value, tuple):
        return {
            _TUPLE: [_encode(v, f'{where}[{i}]') for i, v in enumerate(value)]
        }
    if isinstance(value, list):
        return [_encode(v, f'{where}[{i}]') for i, v in enumerate(value)]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise ExportError(f'config{where} is a {type(value).__name__}: the '
                      'export stores the config as JSON and expected '
                      'strings, numbers, lists, tuples and dicts')


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {_TUPLE}:
            return tuple(_decode(v) for v in value[_TUPLE])
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def config_to_json(cfg: Config) -> str:
    """``cfg`` as JSON text, tuples kept.

    Raises:
        ExportError: A value is not a string, number, list, tuple or dict
            (the message names its key).
    """
    return json.dumps(_encode(cfg.to_dict(), ''))


def config_from_json(text: str) -> Config:
    """The config of :func:`config_to_json`'s text; runs no code."""
    return Config(_decode(json.loads(text)))
