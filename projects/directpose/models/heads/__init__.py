from .ae_higher_head import AEHigherResolutionHead
from .directpose_head import DirectPoseHead
from .fcos_pose_head import FCOSPoseHead
from .rtmo_dcc_head import RTMODCCHead

__all__ = [
    'AEHigherResolutionHead', 'DirectPoseHead', 'FCOSPoseHead', 'RTMODCCHead'
]
