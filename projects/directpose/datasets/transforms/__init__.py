__all__ = []

from .pack_multiscale import PackMultiScalePoseInputs  # noqa: E402

__all__ += ['PackMultiScalePoseInputs']
