from typing import List, Sequence

import torch.nn as nn
from mmpose.registry import MODELS
from torch import Tensor

from ..layers.conv_tower import build_conv_tower
from .offset_regression_predictor import OffsetRegressionPredictor


@MODELS.register_module()
class ConvRegressionPredictor(OffsetRegressionPredictor):
    """Direct regression: a 3x3 conv on the keypoint tower regresses the 2K
    keypoint offsets from each location (DirectPose's naive baseline,
    "no KPAlign").

    Args:
        **kwargs: See :class:`OffsetRegressionPredictor`.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.tower = build_conv_tower(self.in_channels, self.feat_channels,
                                      self.stacked_convs, self.norm_cfg)
        self.conv = nn.Conv2d(
            self.feat_channels, 2 * self.num_keypoints, 3, padding=1)

    def own_convs(self) -> List[nn.Conv2d]:
        return [*super().own_convs(), self.conv]

    def regress(self, towers: List[Tensor],
                points: Sequence[Tensor]) -> List[Tensor]:
        return [
            self.conv(t).unflatten(1, (self.num_keypoints, 2)) for t in towers
        ]
