from abc import abstractmethod
from typing import Dict, List, Optional, Sequence, Tuple

import torch.nn as nn
from mmcv.cnn import Scale
from mmdet.utils import reduce_mean
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType
from torch import Tensor

from .base_kpt_predictor import BaseKeypointPredictor


class OffsetRegressionPredictor(BaseKeypointPredictor):
    """Keypoints regressed as offsets from the locations (DirectPose's).

    Subclasses build ``tower`` and say how offsets come from the tower
    features (:meth:`regress`). Offsets are in units of the level stride:
    ``keypoint = location + offset * stride``, optionally multiplied by a
    learnable per-level factor (``use_scale``, FCOS's). The loss is
    ``loss_kpt`` (smooth L1, beta 1/9) over the labelled keypoints of the
    positives, weighted by the centerness target and averaged over those
    weights, as DirectPose's.

    Args:
        use_scale (bool): A learnable factor per level on the offsets.
            Defaults to True.
        loss_kpt (dict): The offset loss. Defaults to smooth L1 (1/9).
        **kwargs: See :class:`BaseKeypointPredictor`.
    """

    def __init__(self,
                 use_scale: bool = True,
                 loss_kpt: ConfigType = dict(
                     type='mmdet.SmoothL1Loss', beta=1 / 9, loss_weight=1.0),
                 **kwargs):
        super().__init__(**kwargs)
        self.loss_kpt = MODELS.build(loss_kpt)
        self.scales = nn.ModuleList(
            Scale(1.0) for _ in self.strides) if use_scale else None

    def forward(self, feats: Sequence[Tensor],
                points: Sequence[Tensor]) -> Tuple[List[Tensor], List[Tensor]]:
        """Offsets (B, K, 2, H_l, W_l) in strides and the tower features
        of every level."""
        towers = [self.tower(f) for f in feats]
        offsets = self.regress(towers, points)
        if self.scales is not None:
            offsets = [s(o) for s, o in zip(self.scales, offsets)]
        return offsets, towers

    @abstractmethod
    def regress(self, towers: List[Tensor],
                points: Sequence[Tensor]) -> List[Tensor]:
        """Unscaled offsets (B, K, 2, H_l, W_l) from the tower features of
        every level."""

    @staticmethod
    def encode(keypoints: Tensor, points: Tensor, strides: Tensor) -> Tensor:
        """Keypoints (n, K, 2) in pixels -> offsets from the locations
        (n, 2) in units of their strides (n, )."""
        return (keypoints - points[:, None]) / strides[:, None, None]

    def decode(self,
               preds: Tensor,
               points: Tensor,
               strides: Tensor,
               boxes: Optional[Tensor] = None) -> Tensor:
        """Inverse of :meth:`encode`: offsets (n, K, 2) -> keypoints."""
        return points[:, None] + preds * strides[:, None, None]

    def loss(self, preds: Tensor, targets: Dict[str, Tensor], points: Tensor,
             strides: Tensor, boxes: Optional[Tensor]) -> Dict[str, Tensor]:
        weights = targets['kpt_weights'] * targets['centerness'][:, None]
        weights = weights[..., None].expand(-1, -1, 2)
        return dict(
            loss_kpt=self.loss_kpt(
                preds,
                self.encode(targets['keypoints'], points, strides),
                weights,
                avg_factor=reduce_mean(weights.sum()).clamp(min=1e-6)))

    def mirror(self, outputs: List[Tensor],
               flip_indices: Sequence[int]) -> List[Tensor]:
        """Offsets of the mirrored image, read at the mirrored locations,
        with x negated and left/right keypoints swapped."""
        sign = outputs[0].new_tensor([-1.0, 1.0])[:, None, None]
        return [o.flip(-1)[:, flip_indices] * sign for o in outputs]
