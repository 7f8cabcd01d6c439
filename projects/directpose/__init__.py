"""mmpose-directpose: DirectPose (KPAlign), RTMO's DCC and SWAHR for MMPose.

Importing the package calls :func:`install`, the one place where this
package changes the OpenMMLab stack (``mmcv.ops`` on mmcv-lite,
xtcocotools' masks under numpy 2, weights-only checkpoint loading, atomic
writes; see :mod:`directpose.patches`), logging once what it replaced, and
then registers this project's modules in MMPose's registries, so configs
name them like any MMPose module (``custom_imports=dict(imports=
['directpose'])``). :func:`uninstall` reverts the patches.
"""
from .patches import install, installed, uninstall

install()  # before the modules below import mmpose.models

from . import codecs, datasets, engine, evaluation, models  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = ['__version__', 'install', 'installed', 'uninstall']
