"""A random crop that keeps one person's centre inside the window."""
from typing import Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmpose.registry import TRANSFORMS

# per-person entries of a bottom-up sample, filtered with the persons kept
_PER_PERSON_KEYS = ('bbox', 'bbox_score', 'category_id', 'keypoints',
                    'keypoints_visible', 'area', 'id', 'iscrowd',
                    'num_keypoints')


@TRANSFORMS.register_module()
class BottomupInstanceCrop(BaseTransform):
    """Crop a ``crop_size`` window that contains a random person's box
    centre, as Detectron2's ``RandomCropWithInstance`` (the crop of
    FCOS-style recipes, DirectPose's included).

    One of the boxes is drawn at random; the window's top-left corner is
    then drawn uniformly among the integer positions that keep the window
    inside the image and the box centre inside the window. An image side
    shorter than the window is kept whole; without persons the window is
    placed uniformly.

    Boxes are shifted and clipped to the window (not recomputed from the
    keypoints); keypoints are shifted, and those outside the window become
    invisible (``keypoints_visible`` 0). Persons whose box misses the window
    are dropped with all their per-person entries (``bbox``,
    ``keypoints``, ``area``, ``id``, ...). Segmentations and the crowd
    regions' ``invalid_segs`` are not cropped and are removed, so this
    transform is for pipelines that need no heatmap masks.

    Required keys: ``img``; optional ``bbox`` (N, 4), ``keypoints``
    (N, K, 2), ``keypoints_visible`` (N, K) and other per-person entries.

    Modified keys: ``img``, ``img_shape``, the per-person entries.

    Added keys: ``crop_offset`` ``(x, y)`` of the window in the image.

    Args:
        crop_size (tuple[int, int]): ``(w, h)`` of the window.
    """

    def __init__(self, crop_size: Tuple[int, int]):
        super().__init__()
        if len(crop_size) != 2 or min(crop_size) <= 0:
            raise ValueError('BottomupInstanceCrop: crop_size must be (w, h) '
                             f'with positive sides, got {crop_size}')
        self.crop_size = tuple(int(s) for s in crop_size)

    @cache_randomness
    def _offset(self, image_wh: np.ndarray, window_wh: np.ndarray,
                boxes: Optional[np.ndarray]) -> np.ndarray:
        """The window's top-left corner (x, y)."""
        high = image_wh - window_wh
        low = np.zeros(2, dtype=np.int64)
        if boxes is not None and len(boxes):
            box = boxes[np.random.randint(len(boxes))]
            centre = (box[:2] + box[2:]) / 2
            low = np.clip(np.ceil(centre - window_wh), 0, high).astype(int)
            high = np.clip(np.floor(centre), low, high).astype(int)
        return np.array(
            [np.random.randint(lo, hi + 1) for lo, hi in zip(low, high)])

    def transform(self, results: dict) -> dict:
        img = results['img']
        image_wh = np.array(img.shape[1::-1])
        window_wh = np.minimum(self.crop_size, image_wh)
        boxes = results.get('bbox')
        x0, y0 = self._offset(image_wh, window_wh, boxes)
        w, h = window_wh
        results['img'] = img[y0:y0 + h, x0:x0 + w]
        results['img_shape'] = (int(h), int(w))
        results['crop_offset'] = (int(x0), int(y0))
        results.pop('segmentation', None)
        results.pop('invalid_segs', None)

        shift = np.array([x0, y0], dtype=np.float32)
        if results.get('keypoints') is not None:
            kpts = results['keypoints'] - shift
            outside = ((kpts < 0) | (kpts > window_wh)).any(-1)
            results['keypoints'] = kpts
            if results.get('keypoints_visible') is not None:
                visible = results['keypoints_visible'].copy()
                visible[outside] = 0
                results['keypoints_visible'] = visible
        if boxes is not None:
            boxes = (boxes - np.tile(shift, 2)).clip(0, np.tile(window_wh, 2))
            results['bbox'] = boxes
            keep = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
            num = len(keep)
            for key in _PER_PERSON_KEYS:
                value = results.get(key)
                if value is None or len(value) != num:
                    continue
                if isinstance(value, list):
                    results[key] = [v for v, k in zip(value, keep) if k]
                else:
                    results[key] = value[keep]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(crop_size={self.crop_size})'
