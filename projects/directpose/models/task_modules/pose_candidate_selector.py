"""Test-time fusion and selection of the persons of one-stage pose heads."""
from functools import lru_cache
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmcv.ops import nms
from mmengine.structures import InstanceData
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.evaluation.functional import oks_nms
from mmpose.registry import TASK_UTILS
from torch import Tensor

Mirror = Callable[[List[Tensor]], List[Tensor]]


@lru_cache(maxsize=None)
def _oks_sigmas(metainfo_file: str) -> Tuple[float, ...]:
    """The keypoint sigmas of a dataset metainfo file, read once."""
    sigmas = parse_pose_metainfo(dict(from_file=metainfo_file))['sigmas']
    return tuple(float(s) for s in sigmas)


@TASK_UTILS.register_module()
class PoseCandidateSelector:
    """Turns the dense predictions of a one-stage pose head into persons.

    * :meth:`average_flip` fuses the per-level outputs of an image with
      those of its mirror image (the flip test);
    * candidates, one per kept location, are held in an
      :class:`~mmengine.structures.InstanceData` (``scores`` (n, ),
      ``factors`` (n, 2) mapping their scale's input pixels to the first
      scale's, optionally ``bboxes`` (n, 4), and whatever the head needs to
      decode their keypoints); the candidates of several test scales are
      simply concatenated (the multi-scale test);
    * :meth:`select` keeps the persons: boxes (from the box branch, else
      the keypoints' extent) clipped to the image, NMS by box IoU or by OKS,
      the ``max_per_img`` best.

    Args:
        nms (dict): ``type`` 'bbox' (default) or 'oks', ``iou_threshold``
            (default 0.6); for OKS NMS, ``metainfo``: the dataset metainfo
            file with the keypoint sigmas (read once; default: COCO's).
        max_per_img (int): Persons kept per image. Defaults to 100.
    """

    def __init__(self, nms: Optional[dict] = None, max_per_img: int = 100):
        nms = dict(nms or {})
        self.nms_type = nms.get('type', 'bbox')
        if self.nms_type not in ('bbox', 'oks'):
            raise ValueError("test_cfg.nms.type must be 'bbox' or 'oks', "
                             f'got {self.nms_type!r}')
        self.iou_threshold = nms.get('iou_threshold', 0.6)
        self.sigmas = None
        if self.nms_type == 'oks' and 'metainfo' in nms:
            self.sigmas = np.array(_oks_sigmas(nms['metainfo']))
        self.max_per_img = max_per_img

    @staticmethod
    def average_flip(outputs: Sequence[List[Tensor]],
                     flipped: Sequence[List[Tensor]],
                     mirrors: Sequence[Mirror]) -> List[List[Tensor]]:
        """Average each per-level output with its mirror-image counterpart
        mapped back by ``mirrors`` (one function per output). None outputs
        stay None."""
        return [
            None if out is None else [(a + b) / 2
                                      for a, b in zip(out, mirror(other))]
            for out, other, mirror in zip(outputs, flipped, mirrors)
        ]

    def select(self, candidates: InstanceData, decode: Callable[[InstanceData],
                                                                Tensor],
               input_size: Sequence[float]) -> InstanceData:
        """The persons of one image.

        Args:
            candidates (InstanceData): The image's candidates (see above).
            decode (callable): Keypoints (n, K, 2) of candidates, in their
                scale's input pixels. Called once, before NMS when NMS needs
                keypoints (OKS NMS, no box branch), else on the kept ones.
            input_size (Sequence[float]): ``(w, h)`` of the first scale's
                unpadded input: boxes are clipped to it before NMS.

        Returns:
            InstanceData: numpy ``keypoints`` (N, K, 2), ``keypoint_scores``
            (N, K) (the person score), ``bboxes`` (N, 4), ``bbox_scores``
            (N, ), in the first scale's input pixels, by decreasing score.
        """
        factors = candidates.factors
        keypoints = None
        if 'bboxes' not in candidates or self.nms_type == 'oks':
            keypoints = decode(candidates) * factors[:, None]
        boxes = None
        if 'bboxes' in candidates:
            boxes = candidates.bboxes * factors.repeat(1, 2)
        boxes = self.person_boxes(boxes, keypoints, input_size)
        scores = candidates.scores
        keep = self._nms(scores, keypoints, boxes)[:self.max_per_img]
        if keypoints is None:
            keypoints = decode(candidates[keep]) * factors[keep, None]
        else:
            keypoints = keypoints[keep]
        return InstanceData(
            keypoints=keypoints,
            keypoint_scores=scores[keep, None].expand(-1, keypoints.shape[1]),
            bboxes=boxes[keep],
            bbox_scores=scores[keep]).numpy()

    @staticmethod
    def person_boxes(boxes: Optional[Tensor], keypoints: Optional[Tensor],
                     input_size: Sequence[float]) -> Tensor:
        """The boxes NMS compares: the predicted ones, or without a box
        branch the extent of the keypoints, clipped to the image (tensor
        operations only: traceable for ONNX export).

        Args:
            boxes (Tensor, optional): (..., 4) as (x1, y1, x2, y2).
            keypoints (Tensor, optional): (..., K, 2), used without boxes.
            input_size (Sequence[float]): ``(w, h)`` to clip to.

        Returns:
            Tensor: (..., 4).
        """
        if boxes is None:
            boxes = torch.cat(
                [keypoints.min(-2).values,
                 keypoints.max(-2).values], -1)
        w, h = input_size
        return torch.stack([
            boxes[..., 0].clamp(0, w), boxes[..., 1].clamp(0, h),
            boxes[..., 2].clamp(0, w), boxes[..., 3].clamp(0, h)
        ], -1)

    def _nms(self, scores: Tensor, keypoints: Optional[Tensor],
             boxes: Tensor) -> Tensor:
        """Indices kept, by decreasing score."""
        if len(scores) == 0:
            return scores.new_zeros(0, dtype=torch.long)
        if self.nms_type == 'bbox':
            return nms(boxes, scores, self.iou_threshold)[1]
        wh = (boxes[:, 2:] - boxes[:, :2]).clamp(min=1)
        areas = (wh[:, 0] * wh[:, 1]).cpu().numpy()
        kpts = keypoints.cpu().numpy()
        persons = [
            dict(
                keypoints=np.concatenate([k, np.ones((len(k), 1))], 1),
                score=s,
                area=a) for k, s, a in zip(kpts,
                                           scores.cpu().numpy(), areas)
        ]
        keep = oks_nms(persons, self.iou_threshold, sigmas=self.sigmas)
        return torch.as_tensor(
            np.asarray(keep), dtype=torch.long, device=scores.device)
