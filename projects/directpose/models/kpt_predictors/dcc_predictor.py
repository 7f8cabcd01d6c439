from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmdet.utils import reduce_mean
from mmpose.registry import MODELS
from mmpose.structures.bbox import bbox_xyxy2cs
from mmpose.utils.typing import ConfigType
from torch import Tensor

from ..layers.conv_tower import build_conv_tower
from .base_kpt_predictor import BaseKeypointPredictor


@MODELS.register_module()
class DCCPredictor(BaseKeypointPredictor):
    """Keypoints by RTMO's coordinate classification.

    A 1x1 conv on the keypoint tower gives each location a pose vector;
    :class:`~directpose.models.layers.DCC` classifies each keypoint into 1-D
    x and y bins spread over the location's predicted box, enlarged by
    ``bbox_padding``, and decodes the expected bin positions. It therefore
    needs the head's box branch, runs on the positives only (training) and
    on the candidates kept by NMS (test), and has no flip test (pose vectors
    of mirrored locations cannot be averaged). Loss: the DCC's MLECC loss,
    averaged over the positives.

    Args:
        dcc (dict): The DCC config; ``num_keypoints`` is filled in, its
            ``in_channels`` is the pose-vector width.
        bbox_padding (float): Box enlargement before the bins are spread.
            Defaults to 1.25.
        **kwargs: See :class:`BaseKeypointPredictor`.
    """

    needs_boxes = True

    def __init__(self, dcc: ConfigType, bbox_padding: float = 1.25, **kwargs):
        super().__init__(**kwargs)
        self.dcc = MODELS.build(dict(dcc, num_keypoints=self.num_keypoints))
        self.bbox_padding = bbox_padding
        self.tower = build_conv_tower(self.in_channels, self.feat_channels,
                                      self.stacked_convs, self.norm_cfg)
        self.conv = nn.Conv2d(self.feat_channels, self.dcc.in_channels, 1)

    def own_convs(self) -> List[nn.Conv2d]:
        return [*super().own_convs(), self.conv]

    def forward(self, feats: Sequence[Tensor],
                points: Sequence[Tensor]) -> Tuple[List[Tensor], List[Tensor]]:
        """Pose vectors (B, C, H_l, W_l) and the tower features of every
        level."""
        towers = [self.tower(f) for f in feats]
        return [self.conv(t) for t in towers], towers

    def padded_cs(self, boxes: Tensor) -> Tensor:
        """(n, 4) boxes -> (n, 4) centre and size, enlarged by
        ``bbox_padding``: the extent of the bins."""
        return torch.cat(bbox_xyxy2cs(boxes, self.bbox_padding), dim=-1)

    def loss(self, preds: Tensor, targets: Dict[str, Tensor], points: Tensor,
             strides: Tensor, boxes: Optional[Tensor]) -> Dict[str, Tensor]:
        """MLECC loss of the positives' pose vectors (P, C), with bins over
        their (detached) predicted boxes."""
        bbox_cs = self.padded_cs(boxes.detach())
        _, probs, sigmas = self.dcc.forward_train(preds, bbox_cs, points)
        loss = self.dcc.loss(probs, sigmas, bbox_cs, targets['keypoints'],
                             targets['kpt_weights'], targets['areas'])
        num_pos = reduce_mean(loss.new_tensor(float(len(loss))))
        return dict(loss_kpt=loss.sum() / num_pos.clamp(min=1.0))

    def decode(self, preds: Tensor, points: Tensor, strides: Tensor,
               boxes: Optional[Tensor]) -> Tensor:
        """Keypoints classified in bins over the candidates' boxes."""
        if len(points) == 0:
            return points.new_zeros(0, self.num_keypoints, 2)
        return self.dcc.forward_test(preds, self.padded_cs(boxes), points)
