"""Make mmengine's ``CheckpointHook`` remove old checkpoints last.

With ``max_keep_ckpts``, mmengine's ``CheckpointHook`` removes the oldest
checkpoint *before* it writes the new one and before ``last_checkpoint``
names it (and, with ``save_best``, the previous best before the new best).
With ``max_keep_ckpts=1`` a job killed in between leaves no checkpoint at
all and a ``last_checkpoint`` naming a deleted file, so ``--resume`` fails.

Here the hook's removals are deferred: while the hook saves, its file
backend records ``remove``/``rmtree`` instead of doing them, and they are
done once the new checkpoint is complete (the atomic writes of
:mod:`directpose.engine.atomic_writes`) and ``last_checkpoint`` names it.
A job killed at any point leaves at least one complete checkpoint, the one
``last_checkpoint`` names.
"""
import functools
from typing import Callable, List, Tuple

from mmengine.hooks import CheckpointHook

# the CheckpointHook methods that remove files before they save
_DEFERRING = ('_save_checkpoint_with_step', '_save_best_checkpoint')


class DeferredRemovalBackend:
    """A file backend whose ``remove`` and ``rmtree`` are recorded, to be
    done by :meth:`run_removals`; everything else goes to ``backend``.

    Args:
        backend: The file backend to wrap (e.g. mmengine's ``LocalBackend``).
    """

    def __init__(self, backend) -> None:
        self.backend = backend
        self.pending: List[Tuple[Callable, str]] = []

    def __getattr__(self, name: str):
        return getattr(self.backend, name)

    def remove(self, filepath: str) -> None:
        self.pending.append((self.backend.remove, filepath))

    def rmtree(self, dir_path: str) -> None:
        self.pending.append((self.backend.rmtree, dir_path))

    def run_removals(self) -> None:
        """Do the recorded removals, in order; a path already gone is
        skipped."""
        for remove, path in self.pending:
            if self.backend.exists(path):
                remove(path)
        self.pending.clear()


def _removing_last(method: Callable) -> Callable:
    """``method`` of the hook with its file removals done after it returns
    (not at all if it raises: the old files are kept)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        backend = self.file_backend
        deferred = DeferredRemovalBackend(backend)
        self.file_backend = deferred
        try:
            result = method(self, *args, **kwargs)
        finally:
            self.file_backend = backend
        deferred.run_removals()
        return result

    wrapper.__directpose_original__ = method
    return wrapper


def install_checkpoint_rotation() -> bool:
    """Wrap ``CheckpointHook``'s saving methods so that they remove old
    checkpoints only after the new one and ``last_checkpoint`` are written.
    Idempotent.

    Returns:
        bool: True (the methods are replaced).
    """
    for name in _DEFERRING:
        method = getattr(CheckpointHook, name)
        if not hasattr(method, '__directpose_original__'):
            setattr(CheckpointHook, name, _removing_last(method))
    return True


def uninstall_checkpoint_rotation() -> None:
    """Give ``CheckpointHook`` back its own methods."""
    for name in _DEFERRING:
        method = getattr(CheckpointHook, name)
        setattr(CheckpointHook, name,
                getattr(method, '__directpose_original__', method))
