"""Make mmengine write local files atomically.

mmengine writes checkpoints (``save_checkpoint``), dumped results
(``mmengine.dump``: ``DumpResults``, ``CocoMetric``'s ``outfile_prefix``) and
every other local file through ``LocalBackend.put``/``put_text``, which open
the final path and write into it; ``CheckpointHook`` writes
``last_checkpoint`` with ``open(path, 'w')``. A job killed during such a write
(a preempted slurm job, an out-of-memory kill) leaves a truncated file that
``--resume`` or the next reader then trips over. Here the same writes go to a
temporary file in the same folder, which replaces the final path only when it
is complete (``os.replace``), so a reader sees the old file or the new one.
"""
import builtins
import os.path as osp
from pathlib import Path
from typing import Union

import mmengine.fileio.io as mmengine_io
import mmengine.hooks.checkpoint_hook as checkpoint_hook
from mmengine.fileio import LocalBackend, register_backend

from directpose.utils import atomic_open


class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend, with ``put`` and ``put_text`` writing
    through :func:`directpose.utils.atomic_open`."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        with atomic_open(str(filepath), 'wb') as f:
            f.write(obj)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        with atomic_open(str(filepath), 'wb') as f:
            f.write(obj.encode(encoding))


def _open_writes_atomically(file, mode='r', *args, **kwargs):
    """``open`` for modules that write small files with ``open(path, 'w')``:
    writing modes ('w', 'wb') go through :func:`atomic_open`."""
    if mode in ('w', 'wb') and not args and not kwargs:
        return atomic_open(osp.expanduser(file), mode)
    return builtins.open(file, mode, *args, **kwargs)


def _use_local_backend(backend: type) -> None:
    register_backend('local', backend, force=True, prefixes='')
    # backends cached by get_file_backend(enable_singleton=True) before now
    for key, cached in list(mmengine_io.backend_instances.items()):
        if isinstance(cached, LocalBackend):
            del mmengine_io.backend_instances[key]


def install_atomic_writes() -> bool:
    """Register :class:`AtomicLocalBackend` as mmengine's ``'local'`` backend
    (paths without a ``scheme://`` prefix) and make ``CheckpointHook`` write
    ``last_checkpoint`` atomically. Idempotent.

    Returns:
        bool: True (both are replaced).
    """
    _use_local_backend(AtomicLocalBackend)
    # the hook's module looks `open` up in its globals before the builtins
    checkpoint_hook.open = _open_writes_atomically
    return True


def uninstall_atomic_writes() -> None:
    """Give mmengine back its own local backend and the hook its ``open``."""
    _use_local_backend(LocalBackend)
    checkpoint_hook.__dict__.pop('open', None)
