"""Working mask functions for xtcocotools under numpy 2.

xtcocotools 1.14.3 (the newest release) compiles ``_mask.pyx`` against the
flag ``np.NPY_OWNDATA``, which numpy 2 removed: built from source, every
function that returns an array (``decode``, ``iou``, ``toBbox``...) raises
``AttributeError``; its PyPI wheel, built for numpy 1, does not even import.
pycocotools' ``_mask`` is the same C code (xtcocotools forked it) with the
numpy 2 fix, so when xtcocotools' own module fails we route
``xtcocotools._mask`` to it. mmpose uses these functions for heatmap masks
of crowd regions, and xtcocotools' COCOeval for box and mask IoUs.
"""
import importlib
import sys

import numpy as np

_NAME = 'xtcocotools._mask'


def _works(module) -> bool:
    rles = module.encode(np.ones((2, 2, 1), dtype=np.uint8, order='F'))
    return int(module.decode(rles).sum()) == 4


def xtcocotools_mask_works() -> bool:
    """Whether xtcocotools' compiled ``_mask`` imports and decodes masks."""
    try:
        return _works(importlib.import_module(_NAME))
    except (ImportError, ValueError, AttributeError):
        return False


# what xtcocotools._mask was before the fallback (None: not imported)
_replaced = None


def install_xtcocotools_mask_fallback() -> bool:
    """Route ``xtcocotools._mask`` to ``pycocotools._mask`` if it is broken.

    Returns:
        bool: True if the fallback is in use after the call.
    """
    global _replaced
    if xtcocotools_mask_works():
        return False
    import pycocotools._mask as fallback
    import xtcocotools
    _replaced = sys.modules.get(_NAME)
    sys.modules[_NAME] = fallback
    xtcocotools._mask = fallback  # `import xtcocotools._mask` reads this
    mask_module = sys.modules.get('xtcocotools.mask')
    if mask_module is not None:  # imported before us: rebind its reference
        mask_module._mask = fallback
    return True


def uninstall_xtcocotools_mask_fallback() -> None:
    """Give ``xtcocotools._mask`` back its own (broken) module."""
    import pycocotools._mask as fallback
    import xtcocotools
    if sys.modules.get(_NAME) is not fallback:
        return
    if _replaced is None:
        del sys.modules[_NAME]
        del xtcocotools._mask
    else:
        sys.modules[_NAME] = xtcocotools._mask = _replaced
    mask_module = sys.modules.get('xtcocotools.mask')
    if mask_module is not None and _replaced is not None:
        mask_module._mask = _replaced
