from .rtmo_dcc_head import RTMODCCHead

__all__ = ['RTMODCCHead']
