from typing import List, Optional, Sequence, Tuple

import torch.nn as nn
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType, OptSampleList
from torch import Tensor

from .fcos_pose_head import FCOSPoseHead


@MODELS.register_module()
class DirectPoseHead(FCOSPoseHead):
    """DirectPose: end-to-end multi-person pose estimation with one FCOS-style
    stage (Tian, Chen and Shen, 2019).

    Every location regresses the 2K keypoint coordinates of the person centred
    there. The keypoint tower feeds

    * KPAlign (``kpalign``, :class:`~directpose.models.layers.KPAlign`):
      a locator, a sampler reading the next-finer level at the located points
      and a predictor refining each keypoint; or, with ``kpalign=None``, a
      3x3 conv regressing the 2K offsets directly (the naive baseline);
    * the centerness classifier.

    During training only, an auxiliary keypoint heatmap branch on P3
    (``heatmap_branch``) adds its loss; it never runs when predicting and
    ``switch_to_deploy`` removes it. The rest (classification, assignment,
    losses, NMS) is :class:`FCOSPoseHead`.

    Args:
        num_keypoints (int): Number of keypoints K.
        kpalign (dict, optional): The KPAlign config; its ``num_keypoints``,
            ``in_channels`` and ``strides`` are filled in by the head. None
            gives the naive regression. Defaults to ungrouped KPAlign.
        heatmap_branch (dict, optional): The auxiliary heatmap branch config
            (``num_keypoints``, ``in_channels`` and ``stride`` filled in), or
            None for none. Defaults to
            :class:`~directpose.models.layers.AuxiliaryHeatmapBranch`.
        **kwargs: See :class:`FCOSPoseHead`.
    """

    def __init__(self,
                 num_keypoints: int,
                 kpalign: OptConfigType = dict(type='KPAlign'),
                 heatmap_branch: OptConfigType = dict(
                     type='AuxiliaryHeatmapBranch'),
                 **kwargs):
        self.kpalign_cfg = kpalign
        self.heatmap_branch_cfg = heatmap_branch
        super().__init__(num_keypoints, **kwargs)

    def _init_keypoint_branch(self) -> int:
        if self.kpalign_cfg is None:
            self.kpalign = None
            self.kpt_tower = self._build_tower(self.feat_channels)
            self.conv_kpt = nn.Conv2d(
                self.feat_channels, 2 * self.num_keypoints, 3, padding=1)
        else:
            self.kpalign = MODELS.build(
                dict(
                    self.kpalign_cfg,
                    num_keypoints=self.num_keypoints,
                    in_channels=self.feat_channels,
                    strides=self.strides))
            self.kpt_tower = self._build_tower(self.kpalign.tower_channels,
                                               self.kpalign.tower_groups)
        self.heatmap_branch = None
        if self.heatmap_branch_cfg is not None:
            self.heatmap_branch = MODELS.build(
                dict(
                    self.heatmap_branch_cfg,
                    num_keypoints=self.num_keypoints,
                    in_channels=self.in_channels,
                    stride=self.strides[0]))
        return self.kpt_tower[-1].conv.out_channels

    def forward_keypoints(
            self, feats: Sequence[Tensor],
            points: Sequence[Tensor]) -> Tuple[List[Tensor], List[Tensor]]:
        """Keypoint offsets per level, (B, K, 2, H_l, W_l) in strides, and
        the keypoint tower features (for centerness)."""
        towers = [self.kpt_tower(f) for f in feats]
        if self.kpalign is not None:
            return self.kpalign(towers, points), towers
        offsets = [
            self.conv_kpt(t).unflatten(1, (self.num_keypoints, 2))
            for t in towers
        ]
        return offsets, towers

    def loss(self,
             feats: Tuple[Tensor],
             batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> dict:
        """The losses of :class:`FCOSPoseHead` plus the auxiliary heatmap
        loss on P3."""
        losses = super().loss(feats, batch_data_samples, train_cfg)
        if self.heatmap_branch is not None:
            gts = [s.gt_instance_labels for s in batch_data_samples]
            losses.update(
                self.heatmap_branch.loss(
                    self.heatmap_branch(feats[0]),
                    [gt.keypoints for gt in gts],
                    [gt.keypoints_visible for gt in gts]))
        return losses

    def switch_to_deploy(self, test_cfg: Optional[dict] = None) -> None:
        """Drop the training-only heatmap branch from the inference model."""
        self.heatmap_branch = None
