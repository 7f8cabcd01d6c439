"""Image pyramids whose levels are exact rescalings of each other."""
from typing import Tuple

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
    is :class:`BottomupResize`.
    """

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
