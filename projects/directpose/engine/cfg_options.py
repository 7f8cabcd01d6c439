"""``--cfg-options`` with clear errors, shared by the tools that take it.

mmengine's ``DictAction`` fails on an item without ``=`` with a traceback
(``not enough values to unpack``), and it accepts any value for any key: a
word where the config has a number (``train_cfg.max_epochs=abc``) or a
scalar where it has a dict (``model.head=3``) surfaces later, far from the
command line, as a ``TypeError`` in the loops or a builder error.
:class:`CfgOptionsAction` rejects malformed items when the command line is
parsed, :func:`check_cfg_options` values of the wrong type when the config
is read (:func:`~directpose.engine.load_config` calls it).
"""
import argparse
from numbers import Number
from typing import Any, Optional, Tuple

from mmengine.config import Config, DictAction

from .config_checks import ConfigError

_MISSING = object()


class CfgOptionsAction(DictAction):
    """``DictAction`` that names an item without ``=`` or without a key as
    an argparse error (usage and message, exit status 2)."""

    def __call__(self, parser, namespace, values, option_string=None):
        for item in values or []:
            key, sep, _ = item.partition('=')
            if not sep or not key.strip():
                raise argparse.ArgumentError(
                    self, f'{item!r} is not KEY=VALUE (e.g. '
                    'train_cfg.max_epochs=12)')
        super().__call__(parser, namespace, values, option_string)


def add_cfg_options_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--cfg-options KEY=VALUE ...`` (:class:`CfgOptionsAction`)."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings, as key=value pairs; a value must '
        'have the type of the one it replaces (a number for a number, '
        'true/false for a flag, [a,b] for a list, None for anything)')


def check_cfg_options(cfg: Config, options: dict) -> None:
    """Check that each override has the type of the value it replaces.

    Numbers replace numbers, ``true``/``false`` flags, lists lists, and
    ``None`` anything; a dict cannot be replaced by a scalar or a list (set
    its entries instead; a dict given through the API merges into it). New
    keys and string values are not checked.

    Args:
        cfg (Config): The config before the overrides are merged.
        options (dict): The parsed ``--cfg-options``.

    Raises:
        ConfigError: Naming every item whose type does not fit.
    """
    problems = []
    for key, value in options.items():
        old, where = _lookup(cfg, key)
        if where is not None:
            problems.append(f'{key}={_show(value)}: {where}')
            continue
        expected = None if old is _MISSING else _expected_type(old, value)
        if expected:
            problems.append(
                f'{key}={_show(value)}: the config has {_show(old)} there '
                f'({type(old).__name__}); expected {expected}, got '
                f'{type(value).__name__}')
    if problems:
        name = getattr(cfg, 'filename', None) or 'the config'
        raise ConfigError(f'--cfg-options for {name}: {len(problems)} '
                          'item(s) of the wrong type:\n' +
                          '\n'.join(f'  - {p}' for p in problems))


def _lookup(cfg: Config, key: str) -> Tuple[Any, Optional[str]]:
    """The value at a dotted key (list items by index), ``_MISSING`` if
    the key is new, or a problem if a part of the path is not a container.
    """
    node: Any = cfg
    parts = key.split('.')
    for depth, part in enumerate(parts):
        if isinstance(node, (list, tuple)) and part.isdigit():
            index = int(part)
            if index >= len(node):
                return _MISSING, None
            node = node[index]
        elif isinstance(node, (Config, dict)):
            if part not in node:
                return _MISSING, None
            node = node[part]
        else:
            parent = '.'.join(parts[:depth])
            return None, (f'{parent} is {_show(node)} '
                          f'({type(node).__name__}), which has no entry '
                          f'{part!r}')
    return node, None


def _expected_type(old: Any, new: Any) -> Optional[str]:
    """What ``new`` should be to replace ``old``, or None if it fits."""
    if new is None or old is None or isinstance(old, str):
        return None
    if isinstance(old, dict):  # a dict (from the API) merges into it
        return None if isinstance(new, dict) else (
            'a dict: set its entries one by one (KEY.ENTRY=VALUE), '
            'or None to remove it')
    if isinstance(old, bool):
        return None if isinstance(new, bool) else 'true or false'
    if isinstance(old, Number):
        fits = isinstance(new, Number) and not isinstance(new, bool)
        return None if fits else 'a number'
    if isinstance(old, (list, tuple)):
        return None if isinstance(new, (list, tuple)) else 'a list, [a,b]'
    return None


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'
