"""The random affine of HigherHRNet-style training: shifts relative to the
crop window."""
from typing import Optional, Tuple

import numpy as np
from mmpose.datasets.transforms import BottomupRandomAffine
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class BottomupWindowShiftAffine(BottomupRandomAffine):
    """:class:`BottomupRandomAffine` whose random shift is a fraction of the
    crop window rather than of the image.

    mmpose's transform shifts the window centre by up to ``shift_factor``
    times the image width and height. HigherHRNet's (and SWAHR's)
    ``RandomAffineTransform`` shifts it by up to ``max_translate / 200``
    times the window's side, the window being the image's shorter side times
    the random scale (``scale_type='short'``). With ``shift_factor =
    max_translate / 200`` (0.2 for their 40), this transform does the same:
    ``offset = u * shift_factor * window``, ``u`` uniform in [-1, 1] (or
    truncated-normal, per ``distribution``), i.e. up to +-``shift_factor``
    of the network input size. Everything else is
    :class:`BottomupRandomAffine` (affine modes only).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if 'affine' not in self.transform_mode:
            raise ValueError('BottomupWindowShiftAffine: transform_mode must '
                             f"be 'affine' or 'affine_udp', got "
                             f'{self.transform_mode!r}')
        self._image_wh: Optional[np.ndarray] = None

    def transform(self, results: dict) -> dict:
        img_h, img_w = results['img_shape'][:2]
        self._image_wh = np.array([img_w, img_h], dtype=np.float32)
        return super().transform(results)

    def _get_transform_params(self) -> Tuple:
        """As :class:`BottomupRandomAffine`, with the offset rate (a fraction
        of the image's width and height, as the parent transform applies
        it) rescaled to the same fraction of the window."""
        offset, scale, rotate, shear = super()._get_transform_params()
        w, h = self.input_size
        window = self._fix_aspect_ratio(scale * self._image_wh, w / h)
        return offset * window / self._image_wh, scale, rotate, shear
