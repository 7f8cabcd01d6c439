from .instance_crop import BottomupInstanceCrop
from .pack_multiscale import PackMultiScalePoseInputs
from .short_side_resize import BottomupShortSideResize
from .window_shift_affine import BottomupWindowShiftAffine

__all__ = [
    'BottomupInstanceCrop', 'BottomupShortSideResize',
    'BottomupWindowShiftAffine', 'PackMultiScalePoseInputs'
]
