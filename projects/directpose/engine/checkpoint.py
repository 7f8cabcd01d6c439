"""Checkpoint loading that never runs code from the file.

Since torch 2.6, ``torch.load`` unpickles with ``weights_only=True``: only
tensors, containers and allow-listed types. We keep that for every checkpoint
(downloaded weights, ``load_from``, ``--resume``) and extend the allow-list
with the constructors of plain numpy arrays and scalars only (OpenMMLab
checkpoints keep the dataset metainfo as numpy arrays). ``builtins.getattr``,
which mmengine's ``HistoryBuffer`` needs when pickled, is never allowed:
:class:`~directpose.engine.hooks.SafeCheckpointHook` stores the message hub as
tensors instead, so a run's own checkpoints resume under the same rules.
"""
import os.path as osp
import pickle
from typing import Any, Callable, List, Optional, Union

import numpy as np
import torch
from mmengine.runner import CheckpointLoader

MapLocation = Optional[Union[str, torch.device, Callable]]


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds objects that could run code when unpickled."""


class CorruptCheckpointError(ValueError):
    """A checkpoint file is empty, truncated or not a checkpoint."""


def _numpy_safe_globals() -> List[Any]:
    """Constructors that rebuild numpy arrays, dtypes and scalars."""
    dtypes = {type(np.dtype(code)) for code in np.typecodes['All']}
    return [
        np._core.multiarray._reconstruct, np._core.multiarray.scalar,
        np.ndarray, np.dtype, *sorted(dtypes, key=str)
    ]


SAFE_GLOBALS = _numpy_safe_globals()


def load_weights_only(filename: str, map_location: MapLocation = None) -> Any:
    """Load a local checkpoint with ``torch.load(weights_only=True)``.

    Args:
        filename (str): Path of the checkpoint.
        map_location: As for :func:`torch.load`.

    Returns:
        The unpickled object: tensors, containers, strings, numbers and plain
        numpy arrays only.

    Raises:
        FileNotFoundError: ``filename`` is not a file.
        UnsafeCheckpointError: The file names any other Python global (a
            class, a function), which could run code if it were unpickled.
        CorruptCheckpointError: The file is empty, truncated or not a
            checkpoint (torch's own errors: ``EOFError``, ``KeyError: 101``,
            ``failed finding central directory``).
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    if osp.getsize(filename) == 0:
        raise CorruptCheckpointError(
            f'checkpoint {filename} is empty (0 bytes): an interrupted '
            'download or copy? Fetch or save it again.')
    try:
        with torch.serialization.safe_globals(SAFE_GLOBALS):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except (EOFError, KeyError, RuntimeError, ValueError) as exc:
        raise _corrupt(filename, exc) from exc
    except pickle.UnpicklingError as exc:
        unsafe = _unsafe_globals(filename)
        if not unsafe and 'Unsupported global' not in str(exc):
            raise _corrupt(filename, exc) from exc
        raise UnsafeCheckpointError(
            f'Refused to load {filename}: it contains Python objects that '
            f'could run code when unpickled ({", ".join(unsafe) or exc}). '
            'Checkpoints are loaded with torch.load(weights_only=True), which '
            'accepts tensors, containers and numpy arrays only. If you '
            'created this file yourself and trust it, re-save just its '
            'weights: torch.save({"state_dict": ckpt["state_dict"]}, path).'
        ) from exc


def _corrupt(filename: str, exc: Exception) -> 'CorruptCheckpointError':
    first_line = (str(exc).strip().splitlines() or [''])[0][:200]
    return CorruptCheckpointError(
        f'checkpoint {filename} is not a readable PyTorch checkpoint '
        f'({type(exc).__name__}: {first_line}): truncated, or not a '
        'checkpoint at all. Fetch or save it again.')


def _unsafe_globals(filename: str) -> List[str]:
    allowed = {f'{g.__module__}.{g.__qualname__}' for g in SAFE_GLOBALS}
    try:
        found = torch.serialization.get_unsafe_globals_in_checkpoint(filename)
    except Exception:  # not a zip checkpoint: fall back to torch's message
        return []
    return [name for name in found if name not in allowed]


# mmengine's loader of local paths, while load_weights_only replaces it
_replaced_loader = None


def register_safe_loader() -> bool:
    """Make mmengine load every local checkpoint with
    :func:`load_weights_only` (``load_from``, ``--resume``, ``init_cfg``).

    Returns:
        bool: True (the loader is replaced).
    """
    global _replaced_loader
    current = CheckpointLoader._schemes.get('')
    if current is not load_weights_only:
        _replaced_loader = current
        CheckpointLoader.register_scheme(
            prefixes='', loader=load_weights_only, force=True)
    return True


def unregister_safe_loader() -> None:
    """Give mmengine back its own loader of local paths."""
    global _replaced_loader
    if _replaced_loader is not None:
        CheckpointLoader.register_scheme(
            prefixes='', loader=_replaced_loader, force=True)
        _replaced_loader = None
