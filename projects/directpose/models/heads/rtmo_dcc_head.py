"""RTMO with its Dynamic Coordinate Classifier taken from the registry."""
import math
from typing import List, Sequence, Tuple, Union

import torch
from mmengine.structures import InstanceData
from mmpose.models.heads import RTMOHead
from mmpose.models.utils import filter_scores_and_topk
from mmpose.registry import MODELS
from mmpose.structures.bbox import bbox_xyxy2cs
from mmpose.utils.typing import (ConfigType, Features, OptSampleList,
                                 Predictions)
from torch import Tensor
from torchvision.ops import nms

#: The largest magnitude of a predicted log box size (in strides), as mmdet's
#: ``DeltaXYWHBBoxCoder`` clamps its deltas (``wh_ratio_clip=16 / 1000``):
#: ``exp`` of it is finite in fp16 and fp32, and a box at most 62.5 strides.
MAX_LOG_BOX_SIZE = math.log(1000 / 16)


def nms_in_score_order(bboxes: Tensor, scores: Tensor,
                       iou_thr: float) -> Tensor:
    """mmpose's ``nms_torch`` (RTMOHead's NMS), run by torchvision's kernel.

    mmpose's greedy NMS loops in Python, one kept box per iteration (about
    0.1 ms each on a CPU: 74 boxes above the score threshold at 20 persons
    cost RTMO a third of its latency). This one keeps the same boxes in the
    same order: the boxes are visited in the order of mmpose's own
    ``scores.sort(descending=True)`` (the same call, so ties fall the same
    way), which torchvision follows through strictly decreasing ranks; the
    IoU has the same float32 operations (``inter / (area1 + area2 -
    inter)``) and a box is suppressed when it is greater than ``iou_thr``
    rounded to float32, as the comparison of mmpose's float32 tensor does.
    mmpose floors the union at 1e-6; no box of :class:`RTMODCCHead` has an
    area that small (sides of at least ``exp(-MAX_LOG_BOX_SIZE)`` strides).

    Args:
        bboxes (Tensor): (N, 4) boxes (x1, y1, x2, y2), float32.
        scores (Tensor): (N, ) their scores.
        iou_thr (float): IoU above which a box is suppressed.

    Returns:
        Tensor: (M, ) int64 indices of the kept boxes, by decreasing score.
    """
    order = scores.sort(descending=True)[1]
    ranks = torch.arange(
        len(order), 0, -1, dtype=bboxes.dtype, device=bboxes.device)
    threshold = float(torch.tensor(iou_thr, dtype=bboxes.dtype))
    return order[nms(bboxes[order], ranks, threshold)]


@MODELS.register_module()
class RTMODCCHead(RTMOHead):
    """mmpose's :class:`RTMOHead` whose ``dcc`` is built from ``dcc_cfg``.

    mmpose's head instantiates its own unregistered DCC class; this one
    builds any registered module, e.g. ``dcc_cfg=dict(type='DCC', ...)``
    (``directpose.models.layers.DCC``), so the state dicts of the two heads
    are interchangeable. Training, assignment and prediction are
    RTMOHead's: it calls ``dcc.forward_train``, ``dcc.forward_test`` and
    ``dcc.generate_target_heatmap``, and applies its own ``loss_mle`` (which
    ``RTMOModeSwitchHook`` reweights), so the DCC is built without one.

    Unlike mmpose's head, the predicted log box sizes are clamped to
    +-``MAX_LOG_BOX_SIZE`` before ``exp`` (as mmdet's box coders do): with
    untrained or diverging weights mmpose's boxes overflow to inf and the
    DCC then spreads its bins over an infinite box (NaN keypoints). And
    :meth:`predict` gives RTMOHead's predictions faster: its NMS is
    torchvision's (:func:`nms_in_score_order`).

    Args:
        num_keypoints (int): Number of keypoints K, passed on to the DCC.
        dcc_cfg (dict): Config of the registered coordinate classifier.
        **kwargs: The other arguments of :class:`RTMOHead`.
    """

    def __init__(self, num_keypoints: int, dcc_cfg: ConfigType, **kwargs):
        super().__init__(num_keypoints=num_keypoints, dcc_cfg=None, **kwargs)
        self.dcc = MODELS.build(
            dict(dcc_cfg, num_keypoints=num_keypoints, loss_mle=None))

    def decode_bbox(self, pred_bboxes: Tensor, priors: Tensor,
                    stride: Union[Tensor, int]) -> Tensor:
        """:meth:`RTMOHead.decode_bbox` of (dx, dy, log w, log h) (B, N, 4)
        with the log sizes clamped: (B, N, 4) boxes (x1, y1, x2, y2)."""
        log_wh = pred_bboxes[..., 2:].clamp(-MAX_LOG_BOX_SIZE,
                                            MAX_LOG_BOX_SIZE)
        return super().decode_bbox(
            torch.cat([pred_bboxes[..., :2], log_wh], -1), priors, stride)

    def predict(self,
                feats: Features,
                batch_data_samples: OptSampleList,
                test_cfg: ConfigType = {}) -> Predictions:
        """:meth:`RTMOHead.predict`: per image, the locations scoring above
        ``score_thr`` (at most ``nms_pre``), NMS at ``nms_thr`` (none if it
        is 1 or more) and the DCC on the kept boxes.

        Returns:
            list[InstanceData]: Per image, with N kept persons: bboxes
            (N, 4) clipped to the input, scores and bbox_scores (N, ),
            labels (N, ), keypoints (N, K, 2), keypoint_scores and
            keypoints_visible (N, K), as NumPy arrays.
        """
        cls_scores, bbox_preds, _, kpt_vis, pose_vecs = self.forward(feats)
        priors, strides = self._flat_priors(
            [cls_score.shape[2:] for cls_score in cls_scores], cls_scores[0])
        scores = self._flatten_predictions(cls_scores).sigmoid()
        bboxes = self.decode_bbox(
            self._flatten_predictions(bbox_preds), priors, strides)
        kpt_vis = self._flatten_predictions(kpt_vis).sigmoid()
        pose_vecs = self._flatten_predictions(pose_vecs)
        return [
            self._predict_image(*outputs, priors, sample.metainfo, test_cfg)
            for *outputs, sample in zip(bboxes, scores, kpt_vis, pose_vecs,
                                        batch_data_samples)
        ]

    def _flat_priors(self, featmap_sizes: Sequence[torch.Size],
                     like: Tensor) -> Tuple[Tensor, Tensor]:
        """The (x, y) of every location, (A, 2), and its stride, (A, ), over
        all levels; the grids are cached for the sizes, as mmpose's head
        does."""
        if featmap_sizes != self.featmap_sizes:
            self.mlvl_priors = self.prior_generator.grid_priors(
                featmap_sizes, dtype=like.dtype, device=like.device)
            self.featmap_sizes = featmap_sizes
        strides: List[Tensor] = [
            like.new_full((size.numel(), ), stride)
            for size, stride in zip(featmap_sizes, self.featmap_strides)
        ]
        return torch.cat(self.mlvl_priors), torch.cat(strides)

    def _predict_image(self, bboxes: Tensor, scores: Tensor, kpt_vis: Tensor,
                       pose_vecs: Tensor, priors: Tensor, img_meta: dict,
                       test_cfg: ConfigType) -> InstanceData:
        """The persons of one image from its A locations: decoded boxes
        (A, 4), class scores (A, C), keypoint visibilities (A, K), pose
        vectors (A, D) and priors (A, 2); see :meth:`predict`."""
        scores, labels = scores.max(1, keepdim=True)
        scores, _, keep, filtered = filter_scores_and_topk(
            scores, test_cfg.get('score_thr', 0.01),
            test_cfg.get('nms_pre', 100000), dict(labels=labels[:, 0]))
        labels = filtered['labels']
        nms_thr = test_cfg.get('nms_thr', 1.0)
        if nms_thr < 1.0 and len(keep):
            kept = nms_in_score_order(bboxes[keep], scores, nms_thr)
            keep, scores, labels = keep[kept], scores[kept], labels[kept]
        bboxes, kpt_vis = bboxes[keep], kpt_vis[keep]
        if len(keep):
            bbox_cs = torch.cat(bbox_xyxy2cs(bboxes, self.bbox_padding), 1)
            keypoints = self.dcc.forward_test(pose_vecs[keep], bbox_cs,
                                              priors[keep])
        else:
            keypoints = bboxes.new_zeros((0, self.num_keypoints, 2))
        input_w, input_h = img_meta['input_size']
        bboxes[:, 0::2].clamp_(0, input_w)
        bboxes[:, 1::2].clamp_(0, input_h)
        return InstanceData(
            scores=scores,
            labels=labels,
            bboxes=bboxes,
            bbox_scores=scores,
            keypoints=keypoints,
            keypoint_scores=kpt_vis,
            keypoints_visible=kpt_vis).numpy()

    def loss(self, feats, batch_data_samples, train_cfg: ConfigType = {}):
        """RTMOHead's losses, also for a batch without positives.

        Then mmpose's head logs ``num_samples`` as a float, which mmengine's
        ``parse_losses`` refuses, and returns ``loss_cls`` alone, which
        leaves most parameters without gradients (an error under DDP). Here
        ``num_samples`` is a tensor and the missing terms are zeros that
        reach every parameter.
        """
        losses = super().loss(feats, batch_data_samples, train_cfg)
        losses['num_samples'] = torch.as_tensor(
            losses['num_samples'], dtype=torch.float).to(losses['loss_cls'])
        if 'loss_oks' not in losses:  # no positive in the batch
            zero = sum(p.sum() for p in self.parameters()) * 0
            names = ['loss_bbox', 'loss_vis', 'loss_oks']
            if self.use_aux_loss and hasattr(self, 'loss_bbox_aux'):
                names.append('loss_bbox_aux')
            if hasattr(self, 'loss_mle') and self.loss_mle.loss_weight > 0:
                names.append('loss_mle')
            losses.update({name: zero for name in names})
        return losses
