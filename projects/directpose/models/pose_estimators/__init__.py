from .multiscale_bottomup import MultiScaleBottomupPoseEstimator

__all__ = ['MultiScaleBottomupPoseEstimator']
