from .ae_higher_head import AEHigherResolutionHead
from .rtmo_dcc_head import RTMODCCHead

__all__ = ['AEHigherResolutionHead', 'RTMODCCHead']
