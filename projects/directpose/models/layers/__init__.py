__all__ = []

from .dcc import DCC  # noqa: E402

__all__ += ['DCC']
