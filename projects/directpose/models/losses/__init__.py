from .swahr_loss import AdaptiveHeatmapLoss

__all__ = ['AdaptiveHeatmapLoss']
