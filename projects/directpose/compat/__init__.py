"""Fallbacks that make the OpenMMLab stack work on this project's pins.

* mmcv-lite ships mmcv's Python code without the compiled ``mmcv._ext``:
  :func:`install_mmcv_ops_fallback` must run before anything imports
  ``mmcv.ops`` (``mmpose.models`` and ``mmdet.models`` do).
* xtcocotools' compiled mask functions fail under numpy 2:
  :func:`install_xtcocotools_mask_fallback`.

:func:`directpose.install` installs both first (``import directpose`` calls
it); the ``uninstall_*`` functions revert them.
"""
from .mmcv_ops import (MissingCompiledOpError, has_compiled_mmcv_ops,
                       install_mmcv_ops_fallback, uninstall_mmcv_ops_fallback,
                       uses_mmcv_ops_fallback)
from .xtcocotools_mask import (install_xtcocotools_mask_fallback,
                               uninstall_xtcocotools_mask_fallback,
                               xtcocotools_mask_works)

__all__ = [
    'MissingCompiledOpError', 'has_compiled_mmcv_ops',
    'install_mmcv_ops_fallback', 'install_xtcocotools_mask_fallback',
    'uninstall_mmcv_ops_fallback', 'uninstall_xtcocotools_mask_fallback',
    'uses_mmcv_ops_fallback', 'xtcocotools_mask_works'
]
