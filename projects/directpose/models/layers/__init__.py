__all__ = []

from .dcc import DCC  # noqa: E402

__all__ += ['DCC']

from .scale_map import ScaleMapBranch  # noqa: E402

__all__ += ['ScaleMapBranch']
