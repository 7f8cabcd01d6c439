import math
from typing import Dict, Sequence

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule, normal_init
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType
from torch import Tensor


@MODELS.register_module()
class AuxiliaryHeatmapBranch(BaseModule):
    """DirectPose's keypoint heatmap branch, an auxiliary loss for training.

    A few convolutions on one FPN level (P3) predict K per-location keypoint
    classifiers (one-vs-all, sigmoid). The location nearest to each labelled
    keypoint is that keypoint type's positive. The branch adds a loss and
    nothing else: the head never calls it when predicting, and
    ``switch_to_deploy`` removes it.

    Args:
        num_keypoints (int): Number of keypoints K.
        in_channels (int): Channels of the input feature map.
        stride (int): Its stride. Defaults to 8 (P3).
        feat_channels (int): Width of the convolutions. Defaults to 128.
        num_convs (int): Number of 3x3 convolutions. Defaults to 2.
        norm_cfg (dict): Defaults to GN with 32 groups.
        loss (dict): Defaults to sigmoid focal loss (alpha 0.25, gamma 2)
            with weight 4, averaged over the labelled keypoints.
    """

    def __init__(self,
                 num_keypoints: int,
                 in_channels: int,
                 stride: int = 8,
                 feat_channels: int = 128,
                 num_convs: int = 2,
                 norm_cfg: ConfigType = dict(type='GN', num_groups=32),
                 loss: ConfigType = dict(
                     type='mmdet.FocalLoss',
                     use_sigmoid=True,
                     gamma=2.0,
                     alpha=0.25,
                     loss_weight=4.0),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.num_keypoints = num_keypoints
        self.stride = stride
        self.convs = nn.Sequential(*[
            ConvModule(
                in_channels if i == 0 else feat_channels,
                feat_channels,
                3,
                padding=1,
                norm_cfg=norm_cfg) for i in range(num_convs)
        ])
        self.out = nn.Conv2d(feat_channels, num_keypoints, 3, padding=1)
        self.loss_module = MODELS.build(loss)

    def init_weights(self):
        super().init_weights()
        for m in self.convs:
            normal_init(m.conv, std=0.01)
        # every location starts as background with probability 0.99
        normal_init(self.out, std=0.01, bias=-math.log(99))

    def forward(self, feat: Tensor) -> Tensor:
        """(B, C, H, W) features -> (B, K, H, W) keypoint logits."""
        return self.out(self.convs(feat))

    def get_targets(self, shape: Sequence[int], keypoints: Sequence[Tensor],
                    visible: Sequence[Tensor]) -> Tensor:
        """Binary labels (B, K, H, W): 1 at the location nearest to each
        labelled keypoint of each person.

        Args:
            shape (Sequence[int]): (B, K, H, W) of the predicted logits.
            keypoints (Sequence[Tensor]): Per image, (G, K, 2) in input
                pixels.
            visible (Sequence[Tensor]): Per image, (G, K); > 0 if labelled.
        """
        b, k, h, w = shape
        labels = keypoints[0].new_zeros(b, k, h, w)
        for i, (kpts, vis) in enumerate(zip(keypoints, visible)):
            # locations sit at (j + 0.5) * stride: the nearest is floor()
            cols = (kpts[..., 0] / self.stride).floor().long()
            rows = (kpts[..., 1] / self.stride).floor().long()
            valid = (vis > 0) & (cols >= 0) & (cols < w) & (rows >= 0) & (
                rows < h)
            kpt_ids = torch.arange(k, device=labels.device).expand_as(valid)
            labels[i, kpt_ids[valid], rows[valid], cols[valid]] = 1
        return labels

    def loss(self, logits: Tensor, keypoints: Sequence[Tensor],
             visible: Sequence[Tensor]) -> Dict[str, Tensor]:
        """The focal loss of ``logits`` (B, K, H, W), averaged over the
        number of positive labels (at least 1)."""
        labels = self.get_targets(logits.shape, keypoints, visible)
        k = self.num_keypoints
        loss = self.loss_module(
            logits.permute(0, 2, 3, 1).reshape(-1, k),
            labels.permute(0, 2, 3, 1).reshape(-1, k),
            avg_factor=max(labels.sum().item(), 1.0))
        return dict(loss_heatmap=loss)
