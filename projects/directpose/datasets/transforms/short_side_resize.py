"""Resizing by the shorter side, aspect ratio kept (FCOS/Detectron2 style)."""
from typing import Dict, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class BottomupShortSideResize(BaseTransform):
    """Resize a whole image so that its shorter side is ``short_side`` and
    its longer side at most ``max_long_side``, keeping the aspect ratio.

    This is how FCOS-style detectors (and DirectPose) see images: at test
    time the shorter side is 800 and the longer one at most 1333; for
    training ``short_side`` may be a ``(min, max)`` range, sampled uniformly
    over the integers per image (multi-scale training). The resized image is
    padded at the right and bottom to a multiple of ``size_factor``, so that
    the pixel coordinates of the content do not move.

    The image is scaled by ``sx = w' / w`` and ``sy = h' / h`` (``w'``,
    ``h'`` the resized, unpadded size: both round the same ratio to
    integers). Keypoints, boxes and areas are scaled with them, and the
    metainfo that :class:`mmpose.models.BottomupPoseEstimator` uses to map
    predictions back is set so that it inverts exactly this scaling:
    ``input_size = (w', h')``, ``input_scale = (w, h)`` and
    ``input_center = (w / 2, h / 2)``, i.e. ``x = x' * w / w'``.

    With ``aug_scales`` (test only), ``img`` becomes the list of the image
    resized with ``short_side`` and ``max_long_side`` multiplied by each of
    ``1, *aug_scales`` (the input scale first, as :class:`BottomupResize`
    does, for :class:`PackMultiScalePoseInputs`), and ``aug_input_sizes``
    holds each one's unpadded ``(w, h)``.

    Required keys: ``img``, ``img_shape``; optional ``keypoints`` (N, K, 2),
    ``bbox`` (N, 4), ``area`` (N, ).

    Modified keys: ``img``, ``img_shape``, ``keypoints``, ``bbox``,
    ``area``.

    Added keys: ``input_size``, ``input_center``, ``input_scale``,
    ``scale_factor`` ``(sx, sy)``; with ``aug_scales`` also
    ``aug_scales`` and ``aug_input_sizes``.

    Args:
        short_side (int | tuple[int, int]): The shorter side after resizing,
            or the ``(min, max)`` range it is drawn from.
        max_long_side (int): The longer side is at most this (the shorter
            one then becomes smaller than ``short_side``).
        size_factor (int): Pad the resized image to a multiple of this.
            Defaults to 1 (no padding).
        aug_scales (Sequence[float], optional): Extra test scales.
        pad_val (float | tuple): Padding value. Defaults to 0.
    """

    def __init__(self,
                 short_side: Union[int, Tuple[int, int]],
                 max_long_side: int,
                 size_factor: int = 1,
                 aug_scales: Optional[Sequence[float]] = None,
                 pad_val: Union[float, Tuple[float, ...]] = 0):
        super().__init__()
        if isinstance(short_side, (tuple, list)):
            low, high = short_side
            if not 0 < low <= high:
                raise ValueError('BottomupShortSideResize: short_side must '
                                 f'be an int or a (min, max) range, got '
                                 f'{short_side}')
        elif short_side <= 0:
            raise ValueError('BottomupShortSideResize: short_side must be '
                             f'positive, got {short_side}')
        if max_long_side <= 0 or size_factor <= 0:
            raise ValueError('BottomupShortSideResize: max_long_side and '
                             'size_factor must be positive, got '
                             f'{max_long_side} and {size_factor}')
        self.short_side = short_side
        self.max_long_side = max_long_side
        self.size_factor = size_factor
        self.aug_scales = list(aug_scales) if aug_scales else []
        self.pad_val = pad_val

    @cache_randomness
    def _sample_short_side(self) -> int:
        if isinstance(self.short_side, (tuple, list)):
            low, high = self.short_side
            return int(np.random.randint(low, high + 1))
        return int(self.short_side)

    @staticmethod
    def resized_size(width: int, height: int, short_side: float,
                     max_long_side: float) -> Tuple[int, int]:
        """The ``(w', h')`` of an image of ``(width, height)`` resized to the
        shorter side ``short_side`` with the longer side at most
        ``max_long_side`` (rounded to the nearest integers)."""
        ratio = min(short_side / min(width, height),
                    max_long_side / max(width, height))
        return max(int(width * ratio + 0.5),
                   1), max(int(height * ratio + 0.5), 1)

    def _resize_and_pad(self, img: np.ndarray, size: Tuple[int,
                                                           int]) -> np.ndarray:
        resized = cv2.resize(img, size, interpolation=cv2.INTER_LINEAR)
        w, h = size
        pad_w = -w % self.size_factor
        pad_h = -h % self.size_factor
        if pad_w or pad_h:
            resized = cv2.copyMakeBorder(
                resized,
                0,
                pad_h,
                0,
                pad_w,
                cv2.BORDER_CONSTANT,
                value=self.pad_val)
        return resized

    def transform(self, results: Dict) -> Dict:
        img = results['img']
        height, width = img.shape[:2]
        short_side = self._sample_short_side()
        scales = [1.0, *self.aug_scales]
        sizes = [
            self.resized_size(width, height, short_side * s,
                              self.max_long_side * s) for s in scales
        ]
        images = [self._resize_and_pad(img, size) for size in sizes]

        (new_w, new_h), padded = sizes[0], images[0]
        sx, sy = new_w / width, new_h / height
        factor = np.array([sx, sy], dtype=np.float32)
        if results.get('keypoints') is not None:
            results['keypoints'] = results['keypoints'] * factor
        if results.get('bbox') is not None:
            results['bbox'] = results['bbox'] * np.tile(factor, 2)
        if results.get('area') is not None:
            results['area'] = results['area'] * (sx * sy)

        results['img'] = images if self.aug_scales else padded
        results['img_shape'] = padded.shape[:2]
        results['scale_factor'] = (sx, sy)
        results['input_size'] = (new_w, new_h)
        results['input_center'] = np.array([width / 2, height / 2],
                                           dtype=np.float32)
        results['input_scale'] = np.array([width, height], dtype=np.float32)
        if self.aug_scales:
            results['aug_scales'] = self.aug_scales
            results['aug_input_sizes'] = sizes
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(short_side={self.short_side}, '
                f'max_long_side={self.max_long_side}, '
                f'size_factor={self.size_factor}, '
                f'aug_scales={self.aug_scales})')
