"""mmpose-directpose: DirectPose (KPAlign), RTMO's DCC and SWAHR for MMPose.

Importing the package first makes ``mmcv.ops`` importable on mmcv-lite and
xtcocotools' masks work under numpy 2 (see :mod:`directpose.compat`), then
registers this project's modules in MMPose's registries, so configs name
them like any MMPose module.
"""
from .compat import (install_mmcv_ops_fallback,
                     install_xtcocotools_mask_fallback)

install_mmcv_ops_fallback()
install_xtcocotools_mask_fallback()

from . import codecs, datasets, engine, evaluation, models  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = ['__version__']
