__all__ = []

from .swahr_loss import AdaptiveHeatmapLoss  # noqa: E402

__all__ += ['AdaptiveHeatmapLoss']
