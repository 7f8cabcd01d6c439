from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule, normal_init
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType
from torch import Tensor

# DirectPose's 9 body-part groups in COCO order: face, then for each limb the
# root joint alone and the two distal joints together.
COCO_KPALIGN_GROUPS = ((0, 1, 2, 3, 4), (5, ), (7, 9), (6, ), (8, 10), (11, ),
                       (13, 15), (12, ), (14, 16))
# The same grouping in CrowdPose order (the head group is top-head + neck).
CROWDPOSE_KPALIGN_GROUPS = ((12, 13), (0, ), (2, 4), (1, ), (3, 5), (6, ),
                            (8, 10), (7, ), (9, 11))
# the groups a config can name
KPALIGN_GROUP_PRESETS = dict(
    coco=COCO_KPALIGN_GROUPS, crowdpose=CROWDPOSE_KPALIGN_GROUPS)


@MODELS.register_module()
class KPAlign(BaseModule):
    """Keypoint alignment (KPAlign) of DirectPose.

    For every location of FPN level ``l`` (stride ``s_l``):

    1. the **locator**, a 3x3 conv on the keypoint tower features of level
       ``l``, predicts one coarse point per keypoint group;
    2. the **sampler**, a 3x3 conv + norm + ReLU on the tower features of the
       next-finer level ``m = max(l - 1, 0)`` (stride ``s_m``), gives the
       features that are read bilinearly (``grid_sample``) at the located
       points;
    3. the **predictor**, a linear layer per group, turns each group's sampled
       feature vector into the offsets of the group's keypoints from the
       located point.

    All offsets are in units of ``s_l`` (the head multiplies them by the
    stride): keypoint = located point + predictor output * s_m / s_l.

    Args:
        num_keypoints (int): Number of keypoints K.
        in_channels (int): Channels of the keypoint tower when its features
            are shared by all groups.
        strides (Sequence[int]): The strides of the FPN levels.
        groups (str | Sequence[Sequence[int]], optional): The keypoint
            indices of each group, or the name of a preset of
            ``KPALIGN_GROUP_PRESETS`` ('coco', 'crowdpose'). ``None`` makes
            one group per keypoint (ungrouped KPAlign, any K).
        separate_features (bool): Give every group its own
            ``group_channels``-wide feature map: the keypoint tower and the
            sampler become grouped convolutions. Defaults to False.
        group_channels (int): Channels per group with separate features.
            Defaults to 64.
        norm_cfg (dict): Norm of the sampler. Defaults to GN with 32 groups
            (``group_channels // 4`` groups per feature group when separate).
    """

    def __init__(self,
                 num_keypoints: int,
                 in_channels: int,
                 strides: Sequence[int],
                 groups: Optional[Union[str, Sequence[Sequence[int]]]] = None,
                 separate_features: bool = False,
                 group_channels: int = 64,
                 norm_cfg: ConfigType = dict(type='GN', num_groups=32),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if groups is None:
            groups = [[k] for k in range(num_keypoints)]
        elif isinstance(groups, str):
            if groups not in KPALIGN_GROUP_PRESETS:
                raise ValueError(
                    f'KPAlign: unknown groups {groups!r}; expected one of '
                    f'{sorted(KPALIGN_GROUP_PRESETS)} or a list of keypoint '
                    'index lists')
            groups = KPALIGN_GROUP_PRESETS[groups]
        self._check_groups(groups, num_keypoints)
        self.num_keypoints = num_keypoints
        self.groups = [list(g) for g in groups]
        self.strides = list(strides)
        self.separate_features = separate_features
        num_groups = len(self.groups)
        if separate_features:
            self.tower_channels = num_groups * group_channels
            self.tower_groups = num_groups
            self.sample_channels = group_channels
            norm_cfg = dict(norm_cfg, num_groups=self.tower_channels // 4)
        else:
            self.tower_channels = in_channels
            self.tower_groups = 1
            self.sample_channels = in_channels
        self.locator = nn.Conv2d(
            self.tower_channels,
            2 * num_groups,
            3,
            padding=1,
            groups=self.tower_groups)
        self.sampler = ConvModule(
            self.tower_channels,
            self.tower_channels,
            3,
            padding=1,
            groups=self.tower_groups,
            norm_cfg=norm_cfg)
        self.predictors = nn.ModuleList(
            nn.Linear(self.sample_channels, 2 * len(g)) for g in self.groups)
        # output channel (k, xy) of the concatenated groups -> keypoint order
        order = torch.tensor([k for g in self.groups for k in g])
        self.register_buffer(
            'keypoint_order', torch.argsort(order), persistent=False)

    @staticmethod
    def _check_groups(groups, num_keypoints):
        flat = sorted(k for g in groups for k in g)
        if flat != list(range(num_keypoints)):
            raise ValueError(
                f'KPAlign groups {groups} must contain each of the '
                f'{num_keypoints} keypoint indices exactly once')

    def init_weights(self):
        super().init_weights()
        for m in (self.locator, self.sampler.conv, *self.predictors):
            normal_init(m, std=0.01)

    def forward(self, feats: Sequence[Tensor],
                points: Sequence[Tensor]) -> List[Tensor]:
        """Predict keypoint offsets at every location of every level.

        Args:
            feats (Sequence[Tensor]): Keypoint tower features per level,
                each (B, tower_channels, H_l, W_l).
            points (Sequence[Tensor]): Location coordinates (x, y) per level
                in input pixels, each (H_l * W_l, 2), row-major.

        Returns:
            list[Tensor]: Offsets (x, y) of the K keypoints from each
            location in units of the level stride, each (B, K, 2, H_l, W_l).
        """
        samplers = [self.sampler(f) for f in feats]
        offsets = []
        for level, feat in enumerate(feats):
            src = max(level - 1, 0)
            anchors = self.locate(feat)
            sampled = self.sample(samplers[src], anchors, points[level],
                                  self.strides[level], self.strides[src])
            offsets.append(
                self.predict(sampled, anchors,
                             self.strides[src] / self.strides[level]))
        return offsets

    def locate(self, feat: Tensor) -> Tensor:
        """Coarse point of each group, (B, G, 2, H, W), in strides."""
        b, _, h, w = feat.shape
        return self.locator(feat).view(b, len(self.groups), 2, h, w)

    def sample(self, sampler_feat: Tensor, anchors: Tensor, points: Tensor,
               stride: int, sampler_stride: int) -> Tensor:
        """Read the sampler features bilinearly at the located points.

        Args:
            sampler_feat (Tensor): (B, tower_channels, H_m, W_m), stride
                ``sampler_stride``.
            anchors (Tensor): Located points (B, G, 2, H, W) relative to the
                locations, in units of ``stride``.
            points (Tensor): The locations (H * W, 2) in input pixels.

        Returns:
            Tensor: Sampled features (B, G, sample_channels, H, W); zeros
            where a point falls outside the feature map.
        """
        b, g, _, h, w = anchors.shape
        xy = points.t().reshape(1, 1, 2, h, w) + anchors * stride
        extent = xy.new_tensor(sampler_feat.shape[-1:-3:-1]) * sampler_stride
        grid = (2 * xy / extent.view(1, 1, 2, 1, 1) - 1).permute(0, 1, 3, 4, 2)
        # sample in the wider of the two dtypes (float32 points, possibly
        # fp16/bf16 features under autocast), as CUDA's autocast would
        dtype = torch.promote_types(sampler_feat.dtype, grid.dtype)
        sampler_feat, grid = sampler_feat.to(dtype), grid.to(dtype)
        if self.separate_features:
            feat = sampler_feat.reshape(b * g, -1, *sampler_feat.shape[-2:])
            sampled = F.grid_sample(
                feat, grid.reshape(b * g, h, w, 2), align_corners=False)
            return sampled.view(b, g, -1, h, w)
        sampled = F.grid_sample(
            sampler_feat, grid.reshape(b, g * h, w, 2), align_corners=False)
        return sampled.view(b, -1, g, h, w).transpose(1, 2)

    def predict(self, sampled: Tensor, anchors: Tensor,
                ratio: float) -> Tensor:
        """Keypoint offsets (B, K, 2, H, W) in strides from the sampled
        features (B, G, C, H, W); ``ratio`` = sampler stride / stride."""
        b, _, _, h, w = sampled.shape
        per_group = []
        for i, predictor in enumerate(self.predictors):
            out = predictor(sampled[:, i].permute(0, 2, 3, 1))  # B, H, W, 2n
            out = out.permute(0, 3, 1, 2).reshape(b, -1, 2, h, w)
            per_group.append(anchors[:, i:i + 1] + out * ratio)
        return torch.cat(per_group, dim=1)[:, self.keypoint_order]
