"""Compatibility with mmcv-lite, which ships mmcv's Python code without its
compiled ``mmcv._ext`` extension.

:func:`install_mmcv_ops_fallback` must run before anything imports
``mmcv.ops`` (``mmpose.models`` and ``mmdet.models`` do); ``import directpose``
runs it first.
"""
from .mmcv_ops import (MissingCompiledOpError, has_compiled_mmcv_ops,
                       install_mmcv_ops_fallback, uses_mmcv_ops_fallback)

__all__ = [
    'MissingCompiledOpError', 'has_compiled_mmcv_ops',
    'install_mmcv_ops_fallback', 'uses_mmcv_ops_fallback'
]
