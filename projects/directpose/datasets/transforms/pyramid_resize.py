"""Image pyramids whose levels are exact rescalings of each other."""
from typing import Dict, Tuple

import numpy as np
from mmpose.datasets.transforms import BottomupResize
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class BottomupPyramidResize(BottomupResize):
    """:class:`BottomupResize` whose multi-scale pyramid can be fused.

    Heatmap methods (HigherHRNet, SWAHR) fuse the scales of a multi-scale
    test by resizing each scale's heatmaps to the input scale's canvas, which
    only lines the persons up when every canvas is the same rescaling of the
    image. mmpose's :class:`BottomupResize` rounds each scale's padded size
    to ``size_factor`` on its own: e.g. a 500x333 image at 512 ``expand``
    gets a 832-pixel-wide canvas and at scale 0.5 a 448-pixel one (not 416),
    so the half-scale heatmaps land up to ~8 pixels off in the original
    image. As the official HigherHRNet code, this transform rounds the
    canvas at the smallest scale only and scales it (and the resized image
    in it) by ``s / s_min`` for every scale ``s``. Without ``aug_scales`` it
    resizes as :class:`BottomupResize`.

    With ``use_udp``, ``input_center`` and ``input_scale`` also map the
    input back to the image exactly. UDP's warp takes the image's extent
    ``[-0.5, w - 0.5]`` (pixel indices) to the input's pixel centres ``[0,
    w' - 1]``: ``x' = (w' - 1) / w * (x + 0.5)``. :class:`BottomupResize`
    stores centre ``(w - 1) / 2`` and scale ``w``, which
    ``BottomupPoseEstimator.add_pred_to_datasample`` turns into ``x = x' *
    w / W - 0.5`` (``W`` the padded input width): without padding every
    keypoint lands ``0.5 + x' / (w' - 1)`` pixels short (0.5 to 1.5), with
    padding (``expand``) up to the padding's width. Here ``input_scale = W
    * w / (w' - 1)`` and ``input_center = input_scale / 2 - 0.5``, so the
    same formula gives ``x = x' * w / (w' - 1) - 0.5``, the warp's
    inverse. (The tiny SWAHR on synthetic-coco ``crowd``: AP 0.174 -> 0.204
    with the same checkpoint.)
    """

    def transform(self, results: Dict) -> Dict:
        results = super().transform(results)
        if self.use_udp:
            img_h, img_w = results['ori_shape']
            actual, padded = self._get_input_size((img_w, img_h),
                                                  self.input_size)
            scale = (np.array(padded, dtype=np.float64) * (img_w, img_h) /
                     (np.array(actual, dtype=np.float64) - 1))
            results['input_scale'] = scale.astype(np.float32)
            results['input_center'] = (scale / 2 - 0.5).astype(np.float32)
        return results

    def _get_input_size(self, img_size: Tuple[int, int],
                        input_size: Tuple[int, int]) -> Tuple:
        scales = [1.0, *(self.aug_scales or [])]
        low = min(scales)
        if low == 1.0:
            return super()._get_input_size(img_size, input_size)
        # the scale BottomupResize.transform asks for
        scale = min(
            scales, key=lambda s: abs(s - input_size[0] / self.input_size[0]))
        w, h = self.input_size
        actual, padded = super()._get_input_size(img_size,
                                                 (int(w * low), int(h * low)))
        ratio = scale / low
        return ((actual[0] * ratio, actual[1] * ratio),
                (int(round(padded[0] * ratio)), int(round(padded[1] * ratio))))
