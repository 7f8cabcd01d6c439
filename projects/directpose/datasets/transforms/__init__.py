from .instance_crop import BottomupInstanceCrop
from .pack_multiscale import PackMultiScalePoseInputs
from .pyramid_resize import BottomupPyramidResize
from .short_side_resize import BottomupShortSideResize
from .window_shift_affine import BottomupWindowShiftAffine

__all__ = [
    'BottomupInstanceCrop', 'BottomupPyramidResize', 'BottomupShortSideResize',
    'BottomupWindowShiftAffine', 'PackMultiScalePoseInputs'
]
