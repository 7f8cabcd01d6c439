from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule, Scale
from mmcv.ops import nms
from mmdet.models.utils import filter_scores_and_topk
from mmdet.structures.bbox import distance2bbox
from mmdet.utils import reduce_mean
from mmengine.model import normal_init
from mmengine.structures import InstanceData
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.evaluation.functional import oks_nms
from mmpose.models.heads.base_head import BaseHead
from mmpose.registry import MODELS, TASK_UTILS
from mmpose.utils.typing import (ConfigType, InstanceList, OptConfigType,
                                 OptSampleList)
from torch import Tensor

INF = 1e8
LevelOutputs = Tuple[List[Tensor], List[Tensor], List[Tensor],
                     Optional[List[Tensor]]]


class FCOSPoseHead(BaseHead):
    """Base of one-stage, anchor-free multi-person pose heads on FCOS.

    Every location of every FPN level classifies "a person is centred here"
    (sigmoid focal loss), predicts the person's FCOS centerness and regresses
    the 2K keypoint coordinates as offsets from the location in units of the
    level stride, scaled by a learnable per-level factor. Optionally a box
    branch regresses the (left, top, right, bottom) distances (GIoU loss);
    without it, a person's box is the extent of its keypoints. Positives are
    assigned FCOS-style by ``assigner``. Prediction: score =
    sqrt(cls * centerness), score threshold, top-k, NMS (box IoU or OKS),
    at most ``max_per_img`` persons.

    Subclasses build the keypoint branch: ``_init_keypoint_branch`` and
    ``forward_keypoints``.

    Args:
        num_keypoints (int): Number of keypoints K.
        in_channels (int): Channels of the FPN levels.
        feat_channels (int): Width of the towers. Defaults to 256.
        stacked_convs (int): Convolutions per tower. Defaults to 4.
        strides (Sequence[int]): FPN strides. Defaults to P3-P7.
        norm_cfg (dict): Norm of the towers. Defaults to GN (32 groups).
        with_bbox (bool): Add the box branch. Defaults to False.
        assigner (dict): Defaults to :class:`FCOSAssigner`.
        loss_cls (dict): Person classification loss.
        loss_centerness (dict): Centerness loss (BCE).
        loss_kpt (dict): Keypoint offset loss (smooth L1, beta 1/9), on
            labelled keypoints, weighted by the centerness target.
        loss_bbox (dict): Box loss for the box branch (GIoU).
        flip_indices (Sequence[int], optional): Keypoint index after a
            horizontal flip, needed by the flip test.
        test_cfg (dict, optional): score_thr (0.05), nms_pre (1000),
            nms (dict(type='bbox', iou_threshold=0.6), or dict(type='oks',
            iou_threshold=..., metainfo=<dataset metainfo file>)),
            max_per_img (100), flip_test (False).
    """

    def __init__(self,
                 num_keypoints: int,
                 in_channels: int = 256,
                 feat_channels: int = 256,
                 stacked_convs: int = 4,
                 strides: Sequence[int] = (8, 16, 32, 64, 128),
                 norm_cfg: ConfigType = dict(type='GN', num_groups=32),
                 with_bbox: bool = False,
                 assigner: ConfigType = dict(type='FCOSAssigner'),
                 loss_cls: ConfigType = dict(
                     type='mmdet.FocalLoss',
                     use_sigmoid=True,
                     gamma=2.0,
                     alpha=0.25,
                     loss_weight=1.0),
                 loss_centerness: ConfigType = dict(
                     type='mmdet.CrossEntropyLoss',
                     use_sigmoid=True,
                     loss_weight=1.0),
                 loss_kpt: ConfigType = dict(
                     type='mmdet.SmoothL1Loss', beta=1 / 9, loss_weight=1.0),
                 loss_bbox: ConfigType = dict(
                     type='mmdet.GIoULoss', loss_weight=1.0),
                 flip_indices: Optional[Sequence[int]] = None,
                 test_cfg: OptConfigType = None,
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg=init_cfg)
        self.num_keypoints = num_keypoints
        self.in_channels = in_channels
        self.feat_channels = feat_channels
        self.stacked_convs = stacked_convs
        self.strides = list(strides)
        self.norm_cfg = norm_cfg
        self.with_bbox = with_bbox
        self.flip_indices = flip_indices
        self.test_cfg = test_cfg or {}
        self.prior_generator = TASK_UTILS.build(
            dict(type='mmdet.MlvlPointGenerator', strides=strides, offset=0.5))
        self.assigner = TASK_UTILS.build(assigner)
        self.loss_cls = MODELS.build(loss_cls)
        self.loss_centerness = MODELS.build(loss_centerness)
        self.loss_kpt = MODELS.build(loss_kpt)
        self.loss_bbox = MODELS.build(loss_bbox) if with_bbox else None

        self.cls_tower = self._build_tower(feat_channels)
        self.conv_cls = nn.Conv2d(feat_channels, 1, 3, padding=1)
        if with_bbox:
            self.bbox_tower = self._build_tower(feat_channels)
            self.conv_bbox = nn.Conv2d(feat_channels, 4, 3, padding=1)
        self.scales = nn.ModuleList(Scale(1.0) for _ in self.strides)
        centerness_channels = self._init_keypoint_branch()
        self.conv_centerness = nn.Conv2d(centerness_channels, 1, 3, padding=1)

    def _build_tower(self, out_channels: int, groups: int = 1) -> nn.Module:
        """``stacked_convs`` 3x3 conv + norm + ReLU; all but the first are
        grouped convolutions when ``groups`` > 1."""
        norm_cfg = dict(self.norm_cfg)
        if groups > 1:
            norm_cfg['num_groups'] = out_channels // 4
        return nn.Sequential(*[
            ConvModule(
                self.in_channels if i == 0 else out_channels,
                out_channels,
                3,
                padding=1,
                groups=1 if i == 0 else groups,
                norm_cfg=norm_cfg) for i in range(self.stacked_convs)
        ])

    def _init_keypoint_branch(self) -> int:
        """Build the keypoint branch; return the channels of the features
        that ``forward_keypoints`` returns for the centerness conv."""
        raise NotImplementedError

    def forward_keypoints(
            self, feats: Sequence[Tensor],
            points: Sequence[Tensor]) -> Tuple[List[Tensor], List[Tensor]]:
        """Keypoint outputs per level, e.g. offsets (B, K, 2, H_l, W_l) in
        strides multiplied by the level's ``scales``, and the features for
        centerness."""
        raise NotImplementedError

    def init_weights(self):
        """Normal(0, 0.01) convolutions, as FCOS; sub-modules with their own
        ``init_weights`` (KPAlign, the heatmap branch) keep theirs."""
        super().init_weights()
        for name, m in self.named_modules():
            owner = name.split('.')[0]
            if isinstance(m, nn.Conv2d) and not hasattr(
                    getattr(self, owner, None), 'init_weights'):
                normal_init(m, std=0.01)
        # a location starts as "no person" with probability 0.99
        normal_init(self.conv_cls, std=0.01, bias=-np.log(99))

    def level_points(self, feats: Sequence[Tensor]) -> List[Tensor]:
        """The (x, y) input-pixel coordinates of each level's locations,
        row-major, each (H_l * W_l, 2), in float32 whatever the features'
        dtype: keypoints and boxes decoded from them (location + offset x
        stride) then stay float32 under fp16 autocast, where fp16 would
        round them to whole pixels beyond 1024 (its spacing there)."""
        return self.prior_generator.grid_priors([f.shape[-2:] for f in feats],
                                                dtype=torch.float32,
                                                device=feats[0].device)

    def forward(self, feats: Sequence[Tensor]) -> LevelOutputs:
        """Dense predictions of every level.

        Args:
            feats (Sequence[Tensor]): FPN levels, each (B, C, H_l, W_l).

        Returns:
            tuple: Per level: person logits (B, 1, H, W), centerness logits
            (B, 1, H, W), the keypoint outputs of :meth:`forward_keypoints`
            and, with the box branch, box distances (B, 4, H, W) in strides
            (else None).
        """
        points = self.level_points(feats)
        kpts, ctr_feats = self.forward_keypoints(feats, points)
        cls = [self.conv_cls(self.cls_tower(f)) for f in feats]
        ctr = [self.conv_centerness(f) for f in ctr_feats]
        bboxes = None
        if self.with_bbox:
            bboxes = [
                F.relu(scale(self.conv_bbox(self.bbox_tower(f))))
                for scale, f in zip(self.scales, feats)
            ]
        return cls, ctr, kpts, bboxes

    # ------------------------------------------------------------ targets
    @staticmethod
    def flatten_levels(levels: Sequence[Tensor]) -> Tensor:
        """Per-level (B, *C, H_l, W_l) -> (B, sum(H_l * W_l), *C)."""
        return torch.cat([x.flatten(-2).movedim(-1, 1) for x in levels], 1)

    def point_strides(self, points: Sequence[Tensor]) -> Tensor:
        """The stride of every location of all levels, (N, )."""
        return torch.cat(
            [p.new_full((len(p), ), s) for p, s in zip(points, self.strides)])

    @staticmethod
    def encode_keypoints(keypoints: Tensor, points: Tensor,
                         strides: Tensor) -> Tensor:
        """Keypoints (N, K, 2) in pixels -> offsets from the locations
        (N, 2) in units of their strides (N, )."""
        return (keypoints - points[:, None]) / strides[:, None, None]

    @staticmethod
    def decode_keypoints(offsets: Tensor, points: Tensor,
                         strides: Tensor) -> Tensor:
        """Inverse of :meth:`encode_keypoints`; offsets may have leading
        batch dimensions: (..., N, K, 2)."""
        return points[:, None] + offsets * strides[:, None, None]

    @staticmethod
    def centerness_target(ltrb: Tensor) -> Tensor:
        """FCOS centerness of (N, 4) side distances, (N, )."""
        lr, tb = ltrb[:, 0::2], ltrb[:, 1::2]
        ratio = (lr.min(-1).values / lr.max(-1).values.clamp(min=1e-6)) * (
            tb.min(-1).values / tb.max(-1).values.clamp(min=1e-6))
        return ratio.clamp(min=0).sqrt()

    def get_targets(self, points: Sequence[Tensor],
                    batch_data_samples: OptSampleList) -> Dict[str, Tensor]:
        """The training targets of every location of every image.

        Args:
            points (Sequence[Tensor]): Level locations, each (N_l, 2).
            batch_data_samples (list[PoseDataSample]): With
                ``gt_instance_labels`` holding ``bboxes`` (G, 4),
                ``keypoints`` (G, K, 2) and ``keypoints_visible`` (G, K).

        Returns:
            dict: ``pos`` (B, N) positive mask; ``gt_inds`` (B, N) assigned
            person (-1: background); ``centerness`` (B, N) (0 on
            background); ``bbox_targets`` (B, N, 4) side distances and
            ``kpt_targets`` (B, N, K, 2) keypoint offsets, both in strides;
            ``kpt_weights`` (B, N, K) 1 for labelled keypoints of positives;
            ``areas`` (B, N) the assigned person's area.
        """
        all_points = torch.cat(points)
        strides = self.point_strides(points)
        targets = []
        for sample in batch_data_samples:
            gt = sample.gt_instance_labels
            gt_inds, ltrb = self.assigner.assign(points, self.strides,
                                                 gt.bboxes)
            pos = gt_inds >= 0
            kpts = all_points.new_zeros(len(all_points), self.num_keypoints, 2)
            vis = all_points.new_zeros(len(all_points), self.num_keypoints)
            areas = all_points.new_zeros(len(all_points))
            if len(gt.bboxes):
                idx = gt_inds.clamp(min=0)
                kpts = gt.keypoints[idx].float()
                vis = gt.keypoints_visible[idx].float()
                areas = self._gt_areas(gt)[idx]
            targets.append(
                dict(
                    pos=pos,
                    gt_inds=gt_inds,
                    centerness=self.centerness_target(ltrb) * pos,
                    bbox_targets=ltrb / strides[:, None],
                    kpt_targets=self.encode_keypoints(kpts, all_points,
                                                      strides),
                    kpt_weights=(vis > 0).float() * pos[:, None],
                    areas=areas))
        return {k: torch.stack([t[k] for t in targets]) for k in targets[0]}

    @staticmethod
    def _gt_areas(gt: InstanceData) -> Tensor:
        """Person areas (G, ): the annotated ones, else the box areas."""
        if 'areas' in gt:
            return gt.areas.float()
        wh = gt.bboxes[:, 2:] - gt.bboxes[:, :2]
        return (wh[:, 0] * wh[:, 1]).float()

    # --------------------------------------------------------------- loss
    def loss(self,
             feats: Tuple[Tensor],
             batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> dict:
        """Losses of a batch: person classification, centerness, keypoint
        offsets (and boxes with the box branch)."""
        cls, ctr, kpts, bboxes = self.forward(feats)
        points = self.level_points(feats)
        targets = self.get_targets(points, batch_data_samples)
        return self.loss_by_feat(cls, ctr, kpts, bboxes, targets, points)

    def loss_by_feat(self, cls: List[Tensor], ctr: List[Tensor],
                     kpts: List[Tensor], bboxes: Optional[List[Tensor]],
                     targets: Dict[str, Tensor],
                     points: List[Tensor]) -> Dict[str, Tensor]:
        """Losses from the outputs of :meth:`forward` and
        :meth:`get_targets`; all are averaged over the positives of all
        processes, so they stay finite with no positive at all."""
        pos = targets['pos']
        num_pos = reduce_mean(pos.sum().float()).clamp(min=1.0)
        pos_targets = {k: v[pos] for k, v in targets.items() if k != 'pos'}
        ctr_target = pos_targets['centerness']
        losses = dict(
            loss_cls=self.loss_cls(
                self.flatten_levels(cls).reshape(-1, 1),
                pos.reshape(-1, 1).float(),
                avg_factor=num_pos),
            loss_centerness=self.loss_centerness(
                self.flatten_levels(ctr)[pos][:, 0],
                ctr_target,
                avg_factor=num_pos))
        pos_points = torch.cat(points).expand(len(pos), -1, -1)[pos]
        pos_strides = self.point_strides(points).expand_as(pos)[pos]
        pos_boxes = None
        if self.with_bbox:
            pos_boxes = distance2bbox(
                pos_points,
                self.flatten_levels(bboxes)[pos] * pos_strides[:, None])
            losses['loss_bbox'] = self.loss_bbox(
                pos_boxes,
                distance2bbox(
                    pos_points,
                    pos_targets['bbox_targets'] * pos_strides[:, None]),
                ctr_target,
                avg_factor=reduce_mean(ctr_target.sum()).clamp(min=1e-6))
        losses.update(
            self.keypoint_loss(
                self.flatten_levels(kpts)[pos], pos_targets, pos_points,
                pos_strides, pos_boxes))
        return losses

    def keypoint_loss(self, kpt_preds: Tensor, targets: Dict[str, Tensor],
                      points: Tensor, strides: Tensor,
                      boxes: Optional[Tensor]) -> Dict[str, Tensor]:
        """The keypoint loss of the P positive locations: ``loss_kpt`` on
        the offsets (P, K, 2), over labelled keypoints, weighted by the
        centerness target. ``targets`` holds the positives' rows of
        :meth:`get_targets`; ``points`` (P, 2), ``strides`` (P, ) and the
        predicted ``boxes`` (P, 4) (None without the box branch) are for
        subclasses that predict keypoints in other ways."""
        weights = targets['kpt_weights'] * targets['centerness'][:, None]
        weights = weights[..., None].expand(-1, -1, 2)
        return dict(
            loss_kpt=self.loss_kpt(
                kpt_preds,
                targets['kpt_targets'],
                weights,
                avg_factor=reduce_mean(weights.sum()).clamp(min=1e-6)))

    # ------------------------------------------------------------ predict
    def predict(self,
                feats,
                batch_data_samples: OptSampleList,
                test_cfg: ConfigType = {}) -> InstanceList:
        """Persons in each image, in input-image pixels.

        Args:
            feats: FPN levels (a tuple of (B, C, H_l, W_l)); with the flip
                test, [levels, levels of the flipped input]; with the
                multi-scale test, one of those per scale (the first at the
                input size, then the ``aug_scales`` of the data samples).
            batch_data_samples (list[PoseDataSample]): Their metainfo.
            test_cfg (dict): Overrides this head's ``test_cfg``.

        Returns:
            list[InstanceData]: Per image, numpy arrays ``keypoints``
            (N, K, 2), ``keypoint_scores`` (N, K) (the person score),
            ``bboxes`` (N, 4) and ``bbox_scores`` (N, ).
        """
        cfg = {**self.test_cfg, **(test_cfg or {})}
        metainfo = batch_data_samples[0].metainfo
        if cfg.get('multiscale_test', False):
            scales = [1.0, *metainfo['aug_scales']]
        else:
            feats, scales = [feats], [1.0]
        flip = cfg.get('flip_test', False)
        per_scale = [
            self._dense_candidates(f, flip, metainfo, cfg, 1 / s)
            for f, s in zip(feats, scales)
        ]
        results = []
        for per_image in zip(*per_scale):  # the candidates of all scales
            candidates = {
                k:
                None if per_image[0][k] is None else torch.cat(
                    [c[k] for c in per_image])
                for k in per_image[0]
            }
            results.append(self._select(candidates, cfg))
        return results

    def _dense_candidates(self, feats, flip: bool, metainfo: dict, cfg: dict,
                          factor: float) -> List[Dict[str, Tensor]]:
        """The score-filtered, top-k locations of each image at one scale.

        Returns:
            list[dict]: Per image, for n candidates: ``scores`` (n, ),
            ``kpt_inputs`` (n, ...) (the keypoint outputs at the location),
            ``points`` (n, 2), ``strides`` (n, ), ``boxes`` (n, 4) from the
            box branch (None without it), all in this scale's input pixels,
            and ``factors`` (n, ) that map them to the first scale.
        """
        if flip:
            cls, ctr, kpts, bboxes = self._fuse_flipped(
                self._probabilities(feats[0]), self._probabilities(feats[1]),
                feats[0], metainfo.get('flip_indices', self.flip_indices))
            feats = feats[0]
        else:
            cls, ctr, kpts, bboxes = self._probabilities(feats)
        points = self.level_points(feats)
        all_points, strides = torch.cat(points), self.point_strides(points)
        scores = (self.flatten_levels(cls).float() *
                  self.flatten_levels(ctr).float()).sqrt()[..., 0]
        kpt_inputs = self.flatten_levels(kpts)
        boxes = None
        if bboxes is not None:
            boxes = distance2bbox(
                all_points,
                self.flatten_levels(bboxes) * strides[:, None])
        results = []
        for i, img_scores in enumerate(scores):
            img_scores, _, keep, _ = filter_scores_and_topk(
                img_scores[:, None], cfg.get('score_thr', 0.05),
                cfg.get('nms_pre', 1000))
            results.append(
                dict(
                    scores=img_scores,
                    kpt_inputs=kpt_inputs[i][keep],
                    points=all_points[keep],
                    strides=strides[keep],
                    boxes=None if boxes is None else boxes[i][keep],
                    factors=img_scores.new_full(img_scores.shape, factor)))
        return results

    def candidate_keypoints(self, candidates: Dict[str, Tensor]) -> Tensor:
        """Keypoints (n, K, 2) of candidates (see :meth:`_dense_candidates`)
        in their scale's input pixels: the decoded offsets."""
        return self.decode_keypoints(candidates['kpt_inputs'],
                                     candidates['points'],
                                     candidates['strides'])

    def _probabilities(self, feats) -> LevelOutputs:
        cls, ctr, kpts, bboxes = self.forward(feats)
        return ([c.sigmoid() for c in cls], [c.sigmoid()
                                             for c in ctr], kpts, bboxes)

    def _fuse_flipped(self, outs: LevelOutputs, flipped: LevelOutputs,
                      feats: Sequence[Tensor],
                      flip_indices: Optional[Sequence[int]]) -> LevelOutputs:
        """Average the dense outputs of an image and of its mirror image,
        mapped back: maps mirrored, x offsets negated, left/right keypoints
        swapped, left/right box sides swapped."""
        if flip_indices is None:
            raise ValueError('the flip test needs `flip_indices` (in the '
                             'data sample metainfo or the head config)')
        widths = {f.shape[-1] * s for f, s in zip(feats, self.strides)}
        if len(widths) != 1:
            raise ValueError(
                'the flip test needs an input width divisible by the largest '
                f'stride {self.strides[-1]} so that mirrored locations '
                'coincide; set pad_size_divisor in the data preprocessor')
        sign = feats[0].new_tensor([-1.0, 1.0])[:, None, None]
        cls = [(a + b.flip(-1)) / 2 for a, b in zip(outs[0], flipped[0])]
        ctr = [(a + b.flip(-1)) / 2 for a, b in zip(outs[1], flipped[1])]
        kpts = [(a + b.flip(-1)[:, flip_indices] * sign) / 2
                for a, b in zip(outs[2], flipped[2])]
        bboxes = outs[3]
        if bboxes is not None:
            bboxes = [(a + b.flip(-1)[:, [2, 1, 0, 3]]) / 2
                      for a, b in zip(outs[3], flipped[3])]
        return cls, ctr, kpts, bboxes

    def _select(self, candidates: Dict[str, Tensor],
                cfg: dict) -> InstanceData:
        """NMS over the candidates of one image, then the best
        ``max_per_img``; keypoints are computed before NMS only when NMS
        needs them (OKS NMS, or boxes from the keypoints' extent)."""
        nms_cfg = cfg.get('nms', {})
        factors = candidates['factors'][:, None]
        boxes, keypoints = candidates['boxes'], None
        if boxes is None or nms_cfg.get('type', 'bbox') == 'oks':
            keypoints = self.candidate_keypoints(candidates)
            if boxes is None:
                boxes = torch.cat(
                    [keypoints.min(1).values,
                     keypoints.max(1).values], -1)
            keypoints = keypoints * factors[..., None]
        boxes = boxes * factors
        scores = candidates['scores']
        keep = self._nms(scores, keypoints, boxes, nms_cfg)
        keep = keep[:cfg.get('max_per_img', 100)]
        if keypoints is None:
            kept = {k: v[keep] for k, v in candidates.items()}
            keypoints = self.candidate_keypoints(kept) * factors[keep, None]
        else:
            keypoints = keypoints[keep]
        # float32 results whatever autocast computed them in (numpy has no
        # bfloat16, and fp16 rounds coordinates beyond 1024 pixels to 1)
        scores = scores[keep].float()
        results = InstanceData(
            keypoints=keypoints.float(),
            keypoint_scores=scores[:, None].expand(-1, self.num_keypoints),
            bboxes=boxes[keep].float(),
            bbox_scores=scores)
        return results.numpy()

    def _nms(self, scores: Tensor, keypoints: Tensor, boxes: Tensor,
             nms_cfg: dict) -> Tensor:
        """Indices kept by box NMS (default, IoU 0.6) or OKS NMS, by
        decreasing score."""
        nms_type = nms_cfg.get('type', 'bbox')
        thr = nms_cfg.get('iou_threshold', 0.6)
        if len(scores) == 0:
            return scores.new_zeros(0, dtype=torch.long)
        if nms_type == 'bbox':
            return nms(boxes, scores, thr)[1]
        if nms_type != 'oks':
            raise ValueError(f"nms type must be 'bbox' or 'oks', got "
                             f'{nms_type!r}')
        sigmas = None
        if 'metainfo' in nms_cfg:
            sigmas = parse_pose_metainfo(
                dict(from_file=nms_cfg['metainfo']))['sigmas']
        wh = (boxes[:, 2:] - boxes[:, :2]).clamp(min=1)
        candidates = [
            dict(
                keypoints=np.concatenate([k, np.ones((len(k), 1))], 1),
                score=s,
                area=a)
            for k, s, a in zip(keypoints.cpu().numpy(),
                               scores.cpu().numpy(), (wh[:, 0] *
                                                      wh[:, 1]).cpu().numpy())
        ]
        keep = oks_nms(candidates, thr, sigmas=sigmas)
        return torch.as_tensor(
            np.asarray(keep), dtype=torch.long, device=scores.device)
