"""Keypoint predictors of the one-stage heads (``kpt_predictor=dict(...)``
of :class:`FCOSPoseHead`): direct regression, KPAlign and RTMO's DCC."""
from .base_kpt_predictor import BaseKeypointPredictor
from .conv_regression_predictor import ConvRegressionPredictor
from .dcc_predictor import DCCPredictor
from .kpalign_predictor import KPAlignPredictor
from .offset_regression_predictor import OffsetRegressionPredictor

__all__ = [
    'BaseKeypointPredictor', 'ConvRegressionPredictor', 'DCCPredictor',
    'KPAlignPredictor', 'OffsetRegressionPredictor'
]
