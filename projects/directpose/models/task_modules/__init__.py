from .fcos_assigner import FCOSAssigner

__all__ = ['FCOSAssigner']
