"""RTMO end to end: network, box decoding, NMS and the DCC on the kept
persons, in one graph with mmdeploy's RTMO output layout."""
import copy
from functools import partial
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.config import Config
from mmpose.structures.bbox import bbox_xyxy2cs
from torch import Tensor

from .base_exporter import BaseOnnxExporter
from .errors import ExportError
from .onnx_nms import nms_keep, run_on_kept, take_rows
from .registry import ONNX_EXPORTERS


@ONNX_EXPORTERS.register_module(name=['RTMOHead', 'RTMODCCHead'])
class RTMOExporter(BaseOnnxExporter):
    """RTMO (mmpose's ``RTMOHead`` or our ``RTMODCCHead``) as an ONNX graph
    that holds the whole of ``RTMOHead.predict``.

    Graph: normalisation, backbone, neck, head; the boxes decoded from
    their deltas (the head's own ``decode_bbox``, with whatever clamping it
    does); per image, the candidates scoring above ``test_cfg.score_thr``
    through ONNX's ``NonMaxSuppression`` at ``test_cfg.nms_thr``; the DCC on
    the kept persons' pose vectors, over their boxes padded by
    ``bbox_padding``; the boxes clipped to the input. The priors of the
    export's input size are constants.

    Outputs, mmdeploy's layout for RTMO (what rtmlib's ``RTMO`` reads), in
    the input's pixels, persons by decreasing score:

    - ``dets`` (B, N, 5): (x1, y1, x2, y2, score);
    - ``keypoints`` (B, N, K, 3): (x, y, keypoint score).

    N is the most persons kept in an image of the batch; the rows beyond an
    image's own persons are zeros (score 0). mmpose's ``RTMOHead`` is
    exported through ``RTMODCCHead`` (:meth:`adapt_config`): same weights,
    and a DCC that takes batched inputs and folds its GAU for deployment.

    Args: see :class:`BaseOnnxExporter`.
    """

    output_names = ('dets', 'keypoints')
    output_axes = {'dets': {1: 'persons'}, 'keypoints': {1: 'persons'}}
    decoding = 'instances'

    def __init__(self, model: nn.Module, cfg: Config,
                 input_size: Sequence[int]):
        super().__init__(model, cfg, input_size)
        head = model.head
        test_cfg = model.test_cfg or {}
        self.score_thr = float(test_cfg.get('score_thr', 0.01))
        self.nms_thr = float(test_cfg.get('nms_thr', 1.0))
        priors, strides = self._priors()
        self.register_buffer('priors', priors)
        self.register_buffer('strides', strides)
        self.num_priors = len(priors)  # an int, not a traced size
        w, h = self.input_size
        self.register_buffer('box_max', torch.tensor([w, h, w, h]).float())
        self.num_keypoints = head.num_keypoints

    @classmethod
    def adapt_config(cls, cfg: Config) -> Config:
        """Build mmpose's ``RTMOHead`` as ``RTMODCCHead`` with the registered
        ``DCC`` (interchangeable state dicts)."""
        head = cfg.model.head
        if head.get('dcc_cfg') is None:
            raise ExportError(
                f'model.head ({head.type}) has no dcc_cfg: RTMO predicts '
                'keypoints with its DCC, expected dcc_cfg=dict(...)')
        if head.type == 'RTMOHead':
            cfg = copy.deepcopy(cfg)
            cfg.model.head.type = 'RTMODCCHead'
            cfg.model.head.dcc_cfg = dict(type='DCC', **head.dcc_cfg)
        return cfg

    def _priors(self) -> Tuple[Tensor, Tensor]:
        """The (x, y) points (A, 2) and strides (A, ) of the feature maps of
        the export's input size, from a forward pass."""
        w, h = self.input_size
        with torch.no_grad():
            feats = self.model.extract_feat(torch.zeros(1, 3, h, w))
            cls_scores = self.model.head.forward(feats)[0]
        sizes = [score.shape[2:] for score in cls_scores]
        points = self.model.head.prior_generator.grid_priors(
            sizes, dtype=torch.float32, device='cpu', with_stride=True)
        points = torch.cat(points)
        return points[:, :2].contiguous(), points[:, 2].contiguous()

    def forward(self, inputs: Tensor) -> Tuple[Tensor, Tensor]:
        """Images (B, 3, H, W) -> ``dets`` (B, N, 5), ``keypoints``
        (B, N, K, 3)."""
        head = self.model.head
        feats = self.model.extract_feat(self.preprocess(inputs))
        cls_scores, bbox_preds, _, kpt_vis, pose_vecs = head.forward(feats)
        flatten = head._flatten_predictions
        scores = flatten(cls_scores).sigmoid().max(dim=-1)[0]  # (B, A)
        bboxes = head.decode_bbox(
            flatten(bbox_preds), self.priors, self.strides)  # (B, A, 4)
        index, valid = nms_keep(bboxes, scores, self.nms_thr, self.score_thr,
                                self.num_priors)
        take = partial(take_rows, index=index)  # (B, A, C) -> (B, N, C)
        bboxes = take(bboxes)
        bbox_cs = torch.cat(bbox_xyxy2cs(bboxes, head.bbox_padding), dim=-1)
        keypoints = run_on_kept(head.dcc.forward_test, valid,
                                take(flatten(pose_vecs)), bbox_cs,
                                self.priors[index])
        keypoints = torch.cat(
            (keypoints, take(flatten(kpt_vis).sigmoid()).unsqueeze(-1)), -1)
        bboxes = torch.min(bboxes.clamp(min=0), self.box_max)
        dets = torch.cat((bboxes, scores.gather(1, index).unsqueeze(-1)), -1)
        valid = valid.to(dets.dtype).unsqueeze(-1)
        return dets * valid, keypoints * valid.unsqueeze(-1)
