"""DirectPose end to end: network, candidate decoding, NMS and the keypoints
of the kept persons, in one graph with mmdeploy's RTMO output layout."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.config import Config
from torch import Tensor

from directpose.models.kpt_predictors import BaseKeypointPredictor
from .base_exporter import BaseOnnxExporter
from .errors import ExportError
from .onnx_nms import nms_keep, run_on_kept, take_rows
from .registry import ONNX_EXPORTERS

#: the score of candidates below the probability threshold, and the
#: threshold at which NMS drops them (person scores are at least 0)
_DROPPED = -1.0
_NMS_SCORE_THR = -0.5


@ONNX_EXPORTERS.register_module(name=['DirectPoseHead', 'FCOSPoseHead'])
class DirectPoseExporter(BaseOnnxExporter):
    """DirectPose (``DirectPoseHead``, any keypoint predictor: KPAlign,
    plain convolution, DCC) as an ONNX graph that holds the whole of
    ``FCOSPoseHead.predict``.

    Graph: normalisation, backbone, FPN, head, with the flip test of
    ``test_cfg.flip_test`` (the mirrored images go through the network in
    the same batch; :meth:`FCOSPoseHead.dense_outputs` averages); the
    candidates of
    :meth:`FCOSPoseHead.dense_candidates` and
    :meth:`FCOSPoseHead.top_candidates` (per level, the ``nms_pre`` best by
    ``sqrt(cls * centerness)`` among the locations whose person probability
    exceeds ``score_thr``); their boxes (the box branch's, or the extent of
    the keypoints decoded by the predictor) clipped to the input by
    :meth:`PoseCandidateSelector.person_boxes`; box NMS at
    ``nms.iou_threshold`` keeping ``max_per_img`` (ONNX's
    ``NonMaxSuppression``); a DCC predictor decodes the kept persons only,
    as the selector does. The priors of the export's input size are
    constants, so H and W are fixed.

    Outputs, in the input's pixels, persons by decreasing score (the layout
    of :class:`RTMOExporter`):

    - ``dets`` (B, N, 5): (x1, y1, x2, y2, person score), the clipped box
      NMS compared;
    - ``keypoints`` (B, N, K, 3): (x, y, person score), as the head gives
      every keypoint its person's score.

    N is the most persons kept in an image of the batch, at least 1; rows
    beyond an image's own persons are zeros (score 0).

    Refused: the multi-scale test, OKS NMS and the flip test of a predictor
    without one (DCC).

    Args: see :class:`BaseOnnxExporter`.
    """

    output_names = ('dets', 'keypoints')
    output_axes = {'dets': {1: 'persons'}, 'keypoints': {1: 'persons'}}
    decoding = 'instances'
    min_opset = 16  # KPAlign's grid_sample is ONNX's GridSample

    def __init__(self, model: nn.Module, cfg: Config,
                 input_size: Sequence[int]):
        super().__init__(model, cfg, input_size)
        head = model.head
        test_cfg = self.test_cfg(cfg)
        self.score_thr = float(test_cfg.get('score_thr', 0.05))
        self.nms_pre = int(test_cfg.get('nms_pre', 1000))
        self.selector = head.build_selector(test_cfg)
        self.test_cfg = test_cfg
        self.flip_indices = None
        if test_cfg.get('flip_test', False):
            if type(head.kpt_predictor).mirror is BaseKeypointPredictor.mirror:
                raise ExportError(
                    'model.test_cfg.flip_test=True: '
                    f'{type(head.kpt_predictor).__name__} has no flip test '
                    '(its outputs of a mirrored image cannot be mapped '
                    'back); expected flip_test=False')
            self.flip_indices = list((model.dataset_meta
                                      or {}).get('flip_indices',
                                                 head.flip_indices))
        # an int: traced sizes would leave the outputs' K unknown
        self.num_keypoints = head.num_keypoints

    @staticmethod
    def test_cfg(cfg: Config) -> dict:
        """The head's ``test_cfg`` updated by the model's, as
        ``FCOSPoseHead.predict`` reads them."""
        return {
            **(cfg.model.head.get('test_cfg', None) or {}),
            **(cfg.model.get('test_cfg', None) or {})
        }

    @classmethod
    def adapt_config(cls, cfg: Config) -> Config:
        """Refuse the test-time options the graph does not hold: the
        multi-scale test (an image pyramid) and OKS NMS."""
        test_cfg = cls.test_cfg(cfg)
        if test_cfg.get('multiscale_test', False):
            raise ExportError(
                'model.test_cfg.multiscale_test=True: the DirectPose export '
                'takes one image size; expected multiscale_test=False '
                '(--cfg-options model.test_cfg.multiscale_test=False)')
        nms_type = (test_cfg.get('nms') or {}).get('type', 'bbox')
        if nms_type != 'bbox':
            raise ExportError(
                f'model.test_cfg.nms.type={nms_type!r}: the DirectPose export '
                "has box NMS only (ONNX's NonMaxSuppression); expected "
                "'bbox' (--cfg-options model.test_cfg.nms.type=bbox)")
        return cfg

    def forward(self, inputs: Tensor) -> Tuple[Tensor, Tensor]:
        """Images (B, 3, H, W) -> ``dets`` (B, N, 5), ``keypoints``
        (B, N, K, 3)."""
        head = self.model.head
        predictor = head.kpt_predictor
        images = self.preprocess(inputs)
        if self.flip_indices is None:
            feats = self.model.extract_feat(images)
        else:  # one batch of the images and their mirrors
            both = self.model.extract_feat(
                torch.cat((images, images.flip(-1))))
            halves = [f.chunk(2) for f in both]
            feats = [tuple(h[0] for h in halves), tuple(h[1] for h in halves)]
        dense = head.dense_candidates(
            head.dense_outputs(feats, self.test_cfg, self.flip_indices,
                               self.selector))
        # the M candidates of each image, (B, M, ...)
        index, valid = head.top_candidates(dense, self.score_thr, self.nms_pre)
        scores = dense['scores'].gather(1, index).masked_fill(~valid, _DROPPED)
        outputs = take_rows(dense['kpt_outputs'], index)
        points = dense['points'][index]
        strides = dense['strides'][index]
        boxes = take_rows(dense['bboxes'], index) if 'bboxes' in dense \
            else None
        keypoints = None
        if boxes is None:  # the boxes are the keypoints' extent
            keypoints = predictor.decode(
                outputs.flatten(0, 1), points.flatten(0, 1),
                strides.flatten(0, 1))
            keypoints = keypoints.view(
                index.size(0), -1, self.num_keypoints, 2)
        person_boxes = self.selector.person_boxes(boxes, keypoints,
                                                  self.input_size)
        # the N persons kept in each image, (B, N, ...)
        kept, valid = nms_keep(person_boxes, scores,
                               self.selector.iou_threshold, _NMS_SCORE_THR,
                               self.selector.max_per_img)
        if keypoints is None:  # DCC: on the kept persons' boxes only
            keypoints = run_on_kept(predictor.decode, valid,
                                    take_rows(outputs, kept),
                                    take_rows(points, kept),
                                    strides.gather(1, kept),
                                    take_rows(boxes, kept))
        else:
            keypoints = take_rows(keypoints, kept)
        scores = scores.gather(1, kept).unsqueeze(-1)
        dets = torch.cat((take_rows(person_boxes, kept), scores), -1)
        keypoints = torch.cat((keypoints, scores.unsqueeze(-1).expand(
            -1, -1, self.num_keypoints, 1)), -1)
        valid = valid.to(dets.dtype).unsqueeze(-1)
        return dets * valid, keypoints * valid.unsqueeze(-1)
