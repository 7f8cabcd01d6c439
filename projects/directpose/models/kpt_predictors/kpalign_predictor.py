from typing import List, Optional, Sequence, Union

from mmpose.registry import MODELS
from torch import Tensor

from ..layers.conv_tower import build_conv_tower
from ..layers.kpalign import KPAlign
from .offset_regression_predictor import OffsetRegressionPredictor


@MODELS.register_module()
class KPAlignPredictor(OffsetRegressionPredictor):
    """DirectPose's keypoint regression through KPAlign.

    The keypoint tower (grouped convolutions with ``separate_features``)
    feeds :class:`~directpose.models.layers.KPAlign`: its locator, its
    sampler on the next-finer level and its per-group predictor give the
    keypoint offsets; the rest (scales, loss, decoding, flip) is
    :class:`OffsetRegressionPredictor`.

    Args:
        groups (str | Sequence[Sequence[int]], optional): The keypoint
            groups: a preset name ('coco', 'crowdpose'), the keypoint
            indices of each group, or None for one group per keypoint (works
            for any K). See :class:`KPAlign`.
        separate_features (bool): Give each group its own feature maps.
            Defaults to False.
        group_channels (int): Channels per group with separate features.
            Defaults to 64.
        **kwargs: See :class:`OffsetRegressionPredictor`.
    """

    def __init__(self,
                 groups: Optional[Union[str, Sequence[Sequence[int]]]] = None,
                 separate_features: bool = False,
                 group_channels: int = 64,
                 **kwargs):
        super().__init__(**kwargs)
        self.kpalign = KPAlign(
            num_keypoints=self.num_keypoints,
            in_channels=self.feat_channels,
            strides=self.strides,
            groups=groups,
            separate_features=separate_features,
            group_channels=group_channels,
            norm_cfg=self.norm_cfg)
        self.tower = build_conv_tower(
            self.in_channels,
            self.kpalign.tower_channels,
            self.stacked_convs,
            self.norm_cfg,
            groups=self.kpalign.tower_groups)

    def regress(self, towers: List[Tensor],
                points: Sequence[Tensor]) -> List[Tensor]:
        return self.kpalign(towers, points)
