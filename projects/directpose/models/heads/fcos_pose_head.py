from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import Scale
from mmdet.structures.bbox import distance2bbox
from mmdet.utils import reduce_mean
from mmengine.model import normal_init
from mmengine.structures import InstanceData
from mmpose.models.heads.base_head import BaseHead
from mmpose.registry import MODELS, TASK_UTILS
from mmpose.utils.typing import (ConfigType, InstanceList, OptConfigType,
                                 OptSampleList)
from torch import Tensor

from ..layers.conv_tower import build_conv_tower
from ..task_modules.pose_candidate_selector import PoseCandidateSelector

#: per level: person logits, centerness logits, keypoint outputs, box
#: distances (None without the box branch)
LevelOutputs = Tuple[List[Tensor], List[Tensor], List[Tensor],
                     Optional[List[Tensor]]]


@MODELS.register_module()
class FCOSPoseHead(BaseHead):
    """Base of one-stage, anchor-free multi-person pose heads on FCOS.

    Every location of every FPN level classifies "a person is centred here"
    (sigmoid focal loss), predicts the person's FCOS centerness (from the
    keypoint tower) and predicts the person's keypoints with a registered
    keypoint predictor (``kpt_predictor``: direct regression, KPAlign or
    DCC; see :mod:`directpose.models.kpt_predictors`). Optionally a box
    branch regresses the (left, top, right, bottom) distances (GIoU loss);
    without it a person's box is the extent of its keypoints.

    Training: positives are assigned FCOS-style by ``assigner`` on the
    annotated person boxes, or on the boxes spanned by the visible keypoints
    (``assign_by='keypoints'``, DirectPose's reference recipe); the targets
    of all locations are computed in :meth:`get_targets`.

    Test (:meth:`predict`): per level, locations whose person probability
    exceeds ``score_thr`` are ranked by ``sqrt(cls * centerness)`` (the
    person score) and the ``nms_pre`` best are kept; then
    :class:`PoseCandidateSelector` clips the boxes to the image, runs NMS and
    keeps ``max_per_img`` persons. The flip test averages the dense outputs
    of the image and of its mirror image; the multi-scale test pools the
    candidates of all scales before NMS.

    Args:
        num_keypoints (int): Number of keypoints K.
        kpt_predictor (dict): The keypoint predictor config (the head fills
            in ``num_keypoints``, ``in_channels``, ``feat_channels``,
            ``stacked_convs``, ``strides`` and ``norm_cfg``).
        in_channels (int): Channels of the FPN levels.
        feat_channels (int): Width of the towers. Defaults to 256.
        stacked_convs (int): Convolutions per tower. Defaults to 4.
        strides (Sequence[int]): FPN strides. Defaults to P3-P7.
        norm_cfg (dict): Norm of the towers. Defaults to GN (32 groups).
        with_bbox (bool): Add the box branch. Defaults to False.
        assigner (dict): Defaults to :class:`FCOSAssigner`.
        assign_by (str): The person boxes positives are assigned by:
            'bbox' (the annotated box) or 'keypoints' (the box spanned by
            the visible keypoints, 1 pixel larger on each side). Defaults to
            'bbox'.
        loss_cls (dict): Person classification loss.
        loss_centerness (dict): Centerness loss (BCE).
        loss_bbox (dict): Box loss of the box branch (GIoU).
        flip_indices (Sequence[int], optional): Keypoint index after a
            horizontal flip, for the flip test when the data samples do not
            carry ``flip_indices``.
        test_cfg (dict, optional): ``score_thr`` (0.05), ``nms_pre`` (1000,
            per level), ``nms`` and ``max_per_img`` (see
            :class:`PoseCandidateSelector`), ``flip_test`` (False),
            ``multiscale_test`` (False).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 num_keypoints: int,
                 kpt_predictor: ConfigType,
                 in_channels: int = 256,
                 feat_channels: int = 256,
                 stacked_convs: int = 4,
                 strides: Sequence[int] = (8, 16, 32, 64, 128),
                 norm_cfg: ConfigType = dict(type='GN', num_groups=32),
                 with_bbox: bool = False,
                 assigner: ConfigType = dict(type='FCOSAssigner'),
                 assign_by: str = 'bbox',
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
                 loss_bbox: ConfigType = dict(
                     type='mmdet.GIoULoss', loss_weight=1.0),
                 flip_indices: Optional[Sequence[int]] = None,
                 test_cfg: OptConfigType = None,
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg=init_cfg)
        if assign_by not in ('bbox', 'keypoints'):
            raise ValueError(f"{type(self).__name__}: assign_by must be "
                             f"'bbox' or 'keypoints', got {assign_by!r}")
        self.num_keypoints = num_keypoints
        self.strides = list(strides)
        self.with_bbox = with_bbox
        self.assign_by = assign_by
        self.flip_indices = flip_indices
        self.test_cfg = test_cfg or {}
        self.prior_generator = TASK_UTILS.build(
            dict(type='mmdet.MlvlPointGenerator', strides=strides, offset=0.5))
        self.assigner = TASK_UTILS.build(assigner)
        self.loss_cls = MODELS.build(loss_cls)
        self.loss_centerness = MODELS.build(loss_centerness)

        self.kpt_predictor = MODELS.build(
            dict(
                kpt_predictor,
                num_keypoints=num_keypoints,
                in_channels=in_channels,
                feat_channels=feat_channels,
                stacked_convs=stacked_convs,
                strides=self.strides,
                norm_cfg=norm_cfg))
        if self.kpt_predictor.needs_boxes and not with_bbox:
            raise ValueError(
                f'{type(self).__name__}: {kpt_predictor["type"]} predicts '
                'keypoints inside the predicted boxes: set with_bbox=True')
        self.cls_tower = build_conv_tower(in_channels, feat_channels,
                                          stacked_convs, norm_cfg)
        self.conv_cls = nn.Conv2d(feat_channels, 1, 3, padding=1)
        self.conv_centerness = nn.Conv2d(
            self.kpt_predictor.out_channels, 1, 3, padding=1)
        if with_bbox:
            self.loss_bbox = MODELS.build(loss_bbox)
            self.bbox_tower = build_conv_tower(in_channels, feat_channels,
                                               stacked_convs, norm_cfg)
            self.conv_bbox = nn.Conv2d(feat_channels, 4, 3, padding=1)
            self.bbox_scales = nn.ModuleList(Scale(1.0) for _ in strides)

    def init_weights(self):
        """N(0, 0.01) convolutions, as FCOS; the person classifier starts at
        probability 0.01. Sub-modules (the keypoint predictor, a heatmap
        branch) initialise their own."""
        super().init_weights()
        own = [self.cls_tower, self.conv_cls, self.conv_centerness]
        if self.with_bbox:
            own += [self.bbox_tower, self.conv_bbox]
        for module in own:
            for m in module.modules():
                if isinstance(m, nn.Conv2d):
                    normal_init(m, std=0.01)
        normal_init(self.conv_cls, std=0.01, bias=-np.log(99))

    def level_points(self, maps: Sequence[Tensor]) -> List[Tensor]:
        """The (x, y) input-pixel coordinates of the locations of each level
        (of its features or of its outputs, (B, C, H_l, W_l)), row-major,
        each (H_l * W_l, 2), in float32 whatever the maps' dtype: keypoints
        and boxes decoded from them (location + offset x stride) then stay
        float32 under fp16 autocast, where fp16 would round them to whole
        pixels beyond 1024 (its spacing there)."""
        return self.prior_generator.grid_priors([m.shape[-2:] for m in maps],
                                                dtype=torch.float32,
                                                device=maps[0].device)

    def forward(self, feats: Sequence[Tensor]) -> LevelOutputs:
        """Dense predictions of every level.

        Args:
            feats (Sequence[Tensor]): FPN levels, each (B, C, H_l, W_l).

        Returns:
            tuple: Per level: person logits (B, 1, H, W), centerness logits
            (B, 1, H, W), the keypoint predictor's outputs (B, *D, H, W)
            and, with the box branch, box distances (B, 4, H, W) in strides
            (else None).
        """
        kpts, kpt_feats = self.kpt_predictor(feats, self.level_points(feats))
        cls = [self.conv_cls(self.cls_tower(f)) for f in feats]
        ctr = [self.conv_centerness(f) for f in kpt_feats]
        bboxes = None
        if self.with_bbox:
            bboxes = [
                F.relu(scale(self.conv_bbox(self.bbox_tower(f))))
                for scale, f in zip(self.bbox_scales, feats)
            ]
        return cls, ctr, kpts, bboxes

    # ------------------------------------------------------------ targets
    @staticmethod
    def flatten_levels(levels: Sequence[Tensor]) -> Tensor:
        """Per-level (B, *C, H_l, W_l) -> (B, sum(H_l * W_l), *C).

        The dimension moved is named by its positive index: torch's ONNX
        export writes ``movedim(-1, 1)`` as a ``Transpose`` with a negative
        ``perm``, which ONNX Runtime rejects."""
        return torch.cat(
            [x.flatten(-2).movedim(x.dim() - 2, 1) for x in levels], 1)

    def point_strides(self, points: Sequence[Tensor]) -> Tensor:
        """The stride of every location of all levels, (N, )."""
        return torch.cat(
            [p.new_full((len(p), ), s) for p, s in zip(points, self.strides)])

    @staticmethod
    def centerness_target(ltrb: Tensor) -> Tensor:
        """FCOS centerness of (N, 4) side distances, (N, )."""
        lr, tb = ltrb[:, 0::2], ltrb[:, 1::2]
        ratio = (lr.min(-1).values / lr.max(-1).values.clamp(min=1e-6)) * (
            tb.min(-1).values / tb.max(-1).values.clamp(min=1e-6))
        return ratio.clamp(min=0).sqrt()

    def assignment_boxes(self, gt: InstanceData) -> Tensor:
        """The (G, 4) person boxes that positives are assigned by: the
        annotated ones, or (``assign_by='keypoints'``) those spanned by the
        visible keypoints, one pixel larger on each side (the annotated box
        for a person without visible keypoints)."""
        if self.assign_by == 'bbox' or len(gt.bboxes) == 0:
            return gt.bboxes
        visible = gt.keypoints_visible[..., None] > 0
        kpts = gt.keypoints.to(gt.bboxes)
        low = torch.where(visible, kpts, kpts.new_tensor(float('inf')))
        high = torch.where(visible, kpts, kpts.new_tensor(float('-inf')))
        boxes = torch.cat([low.min(1).values - 1, high.max(1).values + 1], -1)
        return torch.where(visible.any(1).expand(-1, 4), boxes, gt.bboxes)

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
            background); ``bbox_targets`` (B, N, 4) side distances of the
            assignment box in strides; ``keypoints`` (B, N, K, 2) the
            assigned person's keypoints in pixels; ``kpt_weights`` (B, N, K)
            1 for labelled keypoints of positives; ``areas`` (B, N) the
            assigned person's area.
        """
        all_points = torch.cat(points)
        strides = self.point_strides(points)
        targets = []
        for sample in batch_data_samples:
            gt = sample.gt_instance_labels
            gt_inds, ltrb = self.assigner.assign(points, self.strides,
                                                 self.assignment_boxes(gt))
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
                    keypoints=kpts,
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
        """Losses of a batch: person classification, centerness, keypoints
        (the predictor's) and boxes (with the box branch); all are averaged
        over the positives of all processes, so they stay finite with no
        positive at all."""
        cls, ctr, kpts, bboxes = self.forward(feats)
        points = self.level_points(feats)
        targets = self.get_targets(points, batch_data_samples)
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
            self.kpt_predictor.loss(
                self.flatten_levels(kpts)[pos], pos_targets, pos_points,
                pos_strides, pos_boxes))
        return losses

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
        selector = self.build_selector(cfg)
        flip_indices = batch_data_samples[0].metainfo.get(
            'flip_indices', self.flip_indices)
        views = feats if cfg.get('multiscale_test', False) else [feats]
        per_view = [
            self.get_candidates(
                self.dense_outputs(view, cfg, flip_indices, selector), cfg,
                self._scale_factors(batch_data_samples, i))
            for i, view in enumerate(views)
        ]
        return [
            selector.select(
                InstanceData.cat(list(candidates)), self.decode_candidates,
                sample.metainfo['input_size'])
            for candidates, sample in zip(zip(*per_view), batch_data_samples)
        ]

    @staticmethod
    def build_selector(cfg: dict) -> PoseCandidateSelector:
        """The selector of a test config (``nms``, ``max_per_img``)."""
        return PoseCandidateSelector(
            cfg.get('nms'), cfg.get('max_per_img', 100))

    def dense_outputs(self, view, cfg: dict,
                      flip_indices: Optional[Sequence[int]],
                      selector: PoseCandidateSelector) -> LevelOutputs:
        """Probabilities and keypoint outputs of one test scale, averaged
        with the mirror image's with the flip test (traceable).

        Args:
            view: FPN levels (B, C, H_l, W_l); with ``cfg['flip_test']``,
                [levels, levels of the mirrored input].
            cfg (dict): The test config.
            flip_indices (Sequence[int], optional): Keypoint index after a
                horizontal flip (the data samples' or the head's); needed
                with the flip test.
            selector (PoseCandidateSelector): Averages the flip test.

        Returns:
            tuple: Per level, as :meth:`forward`'s, with probabilities.
        """
        if not cfg.get('flip_test', False):
            return self._probabilities(view)
        outs, flipped = (self._probabilities(v) for v in view)
        # int(): sizes are tensors while an ONNX export traces this
        widths = {int(c.shape[-1]) * s for c, s in zip(outs[0], self.strides)}
        if len(widths) != 1:
            raise ValueError(
                'the flip test needs an input width divisible by the largest '
                f'stride {self.strides[-1]} so that mirrored locations '
                'coincide; pad the input to a multiple of it')
        if flip_indices is None:
            raise ValueError('the flip test needs `flip_indices` (in the '
                             'data sample metainfo or the head config)')

        def mirror(maps):
            return [m.flip(-1) for m in maps]

        def mirror_boxes(maps):
            return [m.flip(-1)[:, [2, 1, 0, 3]] for m in maps]

        return selector.average_flip(
            outs, flipped,
            (mirror, mirror,
             lambda maps: self.kpt_predictor.mirror(maps, flip_indices),
             mirror_boxes))

    def _probabilities(self, feats) -> LevelOutputs:
        cls, ctr, kpts, bboxes = self.forward(feats)
        return ([c.sigmoid() for c in cls], [c.sigmoid()
                                             for c in ctr], kpts, bboxes)

    @staticmethod
    def _scale_factors(batch_data_samples: OptSampleList,
                       view: int) -> List[Tuple[float, float]]:
        """Per image, the (x, y) factors from test scale ``view``'s input
        pixels to the first scale's: exact with ``aug_input_sizes`` in the
        metainfo (:class:`BottomupShortSideResize`), else ``1 / scale``."""
        factors = []
        for sample in batch_data_samples:
            meta = sample.metainfo
            if view == 0:
                factors.append((1.0, 1.0))
            elif 'aug_input_sizes' in meta:
                (w0, h0), (w, h) = (meta['aug_input_sizes'][0],
                                    meta['aug_input_sizes'][view])
                factors.append((w0 / w, h0 / h))
            else:
                scale = meta['aug_scales'][view - 1]
                factors.append((1 / scale, 1 / scale))
        return factors

    def dense_candidates(self, outs: LevelOutputs) -> dict:
        """Every location of every level as a candidate person, for a batch
        (tensor operations only: traceable for ONNX export).

        Args:
            outs (tuple): Probabilities and keypoint outputs of
                :meth:`_probabilities` (or their flip-test average).

        Returns:
            dict: For the A locations of all levels: ``probs`` (B, A), the
            person probability; ``scores`` (B, A), ``sqrt(cls *
            centerness)``; ``kpt_outputs`` (B, A, *D); ``points`` (A, 2);
            ``strides`` (A, ); with the box branch ``bboxes`` (B, A, 4) in
            input pixels; ``level_sizes``, the ints H_l * W_l.
        """
        cls, ctr, kpts, bboxes = outs
        points = self.level_points(cls)
        probs = self.flatten_levels(cls)[..., 0].float()
        dense = dict(
            probs=probs,
            scores=(probs * self.flatten_levels(ctr)[..., 0].float()).sqrt(),
            kpt_outputs=self.flatten_levels(kpts),
            points=torch.cat(points),
            strides=self.point_strides(points),
            level_sizes=[len(p) for p in points])
        if bboxes is not None:
            dense['bboxes'] = distance2bbox(
                dense['points'],
                self.flatten_levels(bboxes) * dense['strides'][:, None])
        return dense

    @staticmethod
    def top_candidates(dense: dict, score_thr: float,
                       nms_pre: int) -> Tuple[Tensor, Tensor]:
        """On each level, the ``nms_pre`` best locations by score among
        those whose person probability exceeds ``score_thr`` (traceable).

        Args:
            dense (dict): :meth:`dense_candidates`' ``probs``, ``scores``
                (B, A) and ``level_sizes``.
            score_thr (float): The threshold on ``probs``.
            nms_pre (int): Most candidates per level.

        Returns:
            tuple[Tensor, Tensor]: ``index`` (B, M) into A, per level by
            decreasing score, and ``valid`` (B, M) bool: whether the
            location passes the threshold (the valid ones of a level come
            first). M is the sum over levels of ``min(nms_pre, H_l * W_l)``.
        """
        probs, scores = dense['probs'], dense['scores']
        ranked = torch.where(probs > score_thr, scores,
                             torch.full_like(scores, -1.0))
        index, start = [], 0
        for level in dense['level_sizes']:
            top = ranked[:, start:start + level].topk(
                min(nms_pre, level), dim=1)[1]
            index.append(top + start)
            start += level
        index = torch.cat(index, 1)
        return index, probs.gather(1, index) > score_thr

    def get_candidates(
            self, outs: LevelOutputs, cfg: dict,
            factors: Sequence[Tuple[float, float]]) -> List[InstanceData]:
        """The candidate persons of each image at one scale.

        On each level, the locations whose person probability exceeds
        ``score_thr``, the ``nms_pre`` best by ``sqrt(cls * centerness)``
        (:meth:`dense_candidates`, :meth:`top_candidates`).

        Returns:
            list[InstanceData]: Per image, for n candidates: ``scores``
            (n, ), ``kpt_outputs`` (n, *D) (the predictor's outputs at the
            location), ``points`` (n, 2), ``strides`` (n, ), ``bboxes``
            (n, 4) with the box branch, all in this scale's input pixels,
            and ``factors`` (n, 2) that map them to the first scale's.
        """
        dense = self.dense_candidates(outs)
        index, valid = self.top_candidates(dense, cfg.get('score_thr', 0.05),
                                           cfg.get('nms_pre', 1000))
        results = []
        for i, factor in enumerate(factors):
            keep = index[i][valid[i]]
            scores = dense['scores'][i, keep]
            candidates = InstanceData(
                scores=scores,
                kpt_outputs=dense['kpt_outputs'][i, keep],
                points=dense['points'][keep],
                strides=dense['strides'][keep],
                factors=scores.new_tensor(factor).expand(len(keep), 2))
            if 'bboxes' in dense:
                candidates.bboxes = dense['bboxes'][i, keep]
            results.append(candidates)
        return results

    def decode_candidates(self, candidates: InstanceData) -> Tensor:
        """Keypoints (n, K, 2) of candidates, in their scale's input
        pixels."""
        return self.kpt_predictor.decode(candidates.kpt_outputs,
                                         candidates.points, candidates.strides,
                                         candidates.get('bboxes'))
