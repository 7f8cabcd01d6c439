"""Every change this package makes to the OpenMMLab stack, in one place.

``import directpose`` calls :func:`install` (so do our tools, and a config's
``custom_imports=dict(imports=['directpose'])``), which applies these
patches once and logs once what it replaced:

* ``mmcv._ext``: mmcv-lite has no compiled ops, and ``mmpose.models`` and
  ``mmdet.models`` import ``mmcv.ops`` at import time; a stand-in provides
  pure-PyTorch ``nms`` and ``sigmoid_focal_loss`` kernels and names any
  other kernel when it is called (:mod:`directpose.compat.mmcv_ops`). Not
  applied when full mmcv is installed.
* ``xtcocotools._mask``: xtcocotools' compiled masks fail under numpy 2;
  pycocotools' (the same C code, fixed) stands in
  (:mod:`directpose.compat.xtcocotools_mask`). Not applied when
  xtcocotools' own works.
* mmengine's checkpoint loader for local paths: ``torch.load`` with
  ``weights_only=True`` and a numpy allow-list only
  (:mod:`directpose.engine.checkpoint`).
* mmengine's ``'local'`` file backend and ``CheckpointHook``'s
  ``last_checkpoint``: written atomically (through a temporary file), so a
  killed job leaves the old file or the new one
  (:mod:`directpose.engine.atomic_writes`).
* ``CheckpointHook``'s removal of old checkpoints (``max_keep_ckpts``, the
  previous best): done after the new checkpoint and ``last_checkpoint`` are
  written, not before, so a killed job always leaves one to resume from
  (:mod:`directpose.engine.checkpoint_rotation`).

:func:`uninstall` reverts them (modules imported meanwhile keep the
references they took, e.g. mmcv.ops' kernels); :func:`installed` lists the
patches in use.
"""
import importlib
import logging
import sys
from dataclasses import dataclass
from typing import Callable, List


def print_log(message: str) -> None:
    """Log to stderr, so that what tools print on stdout stays theirs."""
    logger = logging.getLogger('directpose')
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter('%(name)s: %(message)s'))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    logger.info(message)


@dataclass
class Patch:
    """One replacement: ``apply`` returns whether it replaced anything."""
    name: str
    description: str
    apply: Callable[[], bool]
    revert: Callable[[], None]


def _call(module: str, function: str) -> Callable:
    """``directpose.<module>.<function>``, imported when called: the
    engine's modules import mmengine's runner and mmpose, which must wait
    until the mmcv.ops stand-in is in place."""
    return lambda: getattr(
        importlib.import_module(f'directpose.{module}'), function)()


PATCHES = [
    Patch('mmcv._ext', 'pure-PyTorch nms and sigmoid_focal_loss (mmcv-lite '
          'has no compiled ops)',
          _call('compat.mmcv_ops', 'install_mmcv_ops_fallback'),
          _call('compat.mmcv_ops', 'uninstall_mmcv_ops_fallback')),
    Patch('xtcocotools._mask', "pycocotools' mask functions (xtcocotools' "
          'fail under numpy 2)',
          _call('compat.xtcocotools_mask',
                'install_xtcocotools_mask_fallback'),
          _call('compat.xtcocotools_mask',
                'uninstall_xtcocotools_mask_fallback')),
    Patch('mmengine CheckpointLoader (local paths)',
          'torch.load(weights_only=True), numpy arrays allowed',
          _call('engine.checkpoint', 'register_safe_loader'),
          _call('engine.checkpoint', 'unregister_safe_loader')),
    Patch("mmengine 'local' file backend, CheckpointHook's open",
          'atomic writes through a temporary file',
          _call('engine.atomic_writes', 'install_atomic_writes'),
          _call('engine.atomic_writes', 'uninstall_atomic_writes')),
    Patch("mmengine CheckpointHook's removal of old checkpoints",
          'after the new checkpoint and last_checkpoint are written',
          _call('engine.checkpoint_rotation', 'install_checkpoint_rotation'),
          _call('engine.checkpoint_rotation',
                'uninstall_checkpoint_rotation')),
]
_installed: List[Patch] = []


def install() -> List[str]:
    """Apply the patches not applied yet (idempotent) and log, once, what
    was replaced.

    Returns:
        list[str]: The names of the patches in use.
    """
    if not _installed:
        for patch in PATCHES:
            if patch.apply():
                _installed.append(patch)
        if _installed:
            print_log(
                'directpose.install() replaced: ' + '; '.join(
                    f'{p.name} -> {p.description}' for p in _installed) +
                ' (directpose.uninstall() reverts them)')
    return installed()


def uninstall() -> None:
    """Revert the patches :func:`install` applied, last first."""
    while _installed:
        _installed.pop().revert()


def installed() -> List[str]:
    """The names of the patches in use."""
    return [p.name for p in _installed]
