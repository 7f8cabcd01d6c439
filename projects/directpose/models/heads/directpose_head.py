from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmdet.utils import reduce_mean
from mmpose.registry import MODELS
from mmpose.structures.bbox import bbox_xyxy2cs
from mmpose.utils.typing import ConfigType, OptConfigType, OptSampleList
from torch import Tensor

from .fcos_pose_head import FCOSPoseHead


@MODELS.register_module()
class DirectPoseHead(FCOSPoseHead):
    """DirectPose: end-to-end multi-person pose estimation with one FCOS-style
    stage (Tian, Chen and Shen, 2019).

    Every location regresses the 2K keypoint coordinates of the person centred
    there. The keypoint tower feeds

    * the keypoint coordinate predictor, chosen by the config:

      - KPAlign (``kpalign``, :class:`~directpose.models.layers.KPAlign`,
        the paper's): a locator, a sampler reading the next-finer level at
        the located points and a predictor refining each keypoint;
      - with ``kpalign=None``, a 3x3 conv regressing the 2K offsets directly
        (the naive baseline);
      - RTMO's DCC (``dcc``, :class:`~directpose.models.layers.DCC`): a 1x1
        conv gives each location a pose vector, and DCC classifies each
        keypoint in 1-D bins over the location's predicted (padded) box. It
        needs the box branch, runs only on positives (training) and on the
        persons kept by NMS (test), and has no flip or multi-scale test.
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
        dcc (dict, optional): A DCC config (``num_keypoints`` filled in; its
            ``in_channels`` is the pose vector width) to predict keypoints by
            coordinate classification instead of regression. Needs
            ``with_bbox=True`` and ``kpalign=None``. Defaults to None.
        bbox_padding (float): With DCC, the predicted box is enlarged by this
            factor before the bins are spread over it. Defaults to 1.25.
        heatmap_branch (dict, optional): The auxiliary heatmap branch config
            (``num_keypoints``, ``in_channels`` and ``stride`` filled in), or
            None for none. Defaults to
            :class:`~directpose.models.layers.AuxiliaryHeatmapBranch`.
        **kwargs: See :class:`FCOSPoseHead`.
    """

    def __init__(self,
                 num_keypoints: int,
                 kpalign: OptConfigType = dict(type='KPAlign'),
                 dcc: OptConfigType = None,
                 bbox_padding: float = 1.25,
                 heatmap_branch: OptConfigType = dict(
                     type='AuxiliaryHeatmapBranch'),
                 **kwargs):
        if dcc is not None and (kpalign is not None
                                or not kwargs.get('with_bbox', False)):
            raise ValueError(
                'DirectPoseHead: the DCC coordinate predictor replaces the '
                'regression and classifies keypoints in bins over the '
                'predicted box: set kpalign=None and with_bbox=True')
        self.kpalign_cfg = kpalign
        self.dcc_cfg = dcc
        self.bbox_padding = bbox_padding
        self.heatmap_branch_cfg = heatmap_branch
        super().__init__(num_keypoints, **kwargs)

    def _init_keypoint_branch(self) -> int:
        self.kpalign = self.dcc = None
        if self.dcc_cfg is not None:
            self.dcc = MODELS.build(
                dict(self.dcc_cfg, num_keypoints=self.num_keypoints))
            self.kpt_tower = self._build_tower(self.feat_channels)
            self.conv_kpt = nn.Conv2d(self.feat_channels, self.dcc.in_channels,
                                      1)
        elif self.kpalign_cfg is None:
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
        """Keypoint offsets per level, (B, K, 2, H_l, W_l) in strides times
        the level scale (with DCC: pose vectors (B, C, H_l, W_l)), and the
        keypoint tower features (for centerness)."""
        towers = [self.kpt_tower(f) for f in feats]
        if self.dcc is not None:
            return [self.conv_kpt(t) for t in towers], towers
        if self.kpalign is not None:
            offsets = self.kpalign(towers, points)
        else:
            offsets = [
                self.conv_kpt(t).unflatten(1, (self.num_keypoints, 2))
                for t in towers
            ]
        return [s(o) for s, o in zip(self.scales, offsets)], towers

    def _padded_cs(self, boxes: Tensor) -> Tensor:
        """(n, 4) boxes -> (n, 4) padded centre and size for DCC."""
        return torch.cat(bbox_xyxy2cs(boxes, self.bbox_padding), dim=-1)

    def keypoint_loss(self, kpt_preds: Tensor, targets: Dict[str, Tensor],
                      points: Tensor, strides: Tensor,
                      boxes: Optional[Tensor]) -> Dict[str, Tensor]:
        """Regression: see :meth:`FCOSPoseHead.keypoint_loss`. DCC: the
        MLECC loss of the positives' pose vectors (P, C), with bins over
        their predicted boxes, averaged over the positives."""
        if self.dcc is None:
            return super().keypoint_loss(kpt_preds, targets, points, strides,
                                         boxes)
        bbox_cs = self._padded_cs(boxes.detach())
        _, probs, sigmas = self.dcc.forward_train(kpt_preds, bbox_cs, points)
        gt_kpts = self.decode_keypoints(targets['kpt_targets'], points,
                                        strides)
        loss = self.dcc.loss(probs, sigmas, bbox_cs, gt_kpts,
                             targets['kpt_weights'], targets['areas'])
        num_pos = reduce_mean(loss.new_tensor(float(len(loss))))
        return dict(loss_kpt=loss.sum() / num_pos.clamp(min=1.0))

    def candidate_keypoints(self, candidates: Dict[str, Tensor]) -> Tensor:
        """Regression: decoded offsets. DCC: classified in bins over the
        candidates' predicted boxes."""
        if self.dcc is None:
            return super().candidate_keypoints(candidates)
        if len(candidates['points']) == 0:
            return candidates['points'].new_zeros(0, self.num_keypoints, 2)
        return self.dcc.forward_test(candidates['kpt_inputs'],
                                     self._padded_cs(candidates['boxes']),
                                     candidates['points'])

    def _fuse_flipped(self, outs, flipped, feats, flip_indices):
        if self.dcc is not None:
            raise NotImplementedError(
                'DirectPoseHead: the flip test is not available with the DCC '
                'coordinate predictor (pose vectors of mirrored locations '
                'cannot be averaged); set flip_test=False')
        return super()._fuse_flipped(outs, flipped, feats, flip_indices)

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
