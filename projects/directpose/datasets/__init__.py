"""Datasets: the synthetic humanoid generator and the bottom-up transforms."""
from .checked_coco import (AnnotationError, CheckedCocoDataset,
                           CheckedCrowdPoseDataset, ImageLoadError)
from .keypoint_subset import make_keypoint_subset
from .synthetic import SYNTHETIC_PRESETS, make_synthetic_dataset, render_scene
from .transforms import *  # noqa: F401,F403

__all__ = [
    'SYNTHETIC_PRESETS', 'make_synthetic_dataset', 'render_scene',
    'AnnotationError', 'CheckedCocoDataset', 'CheckedCrowdPoseDataset',
    'ImageLoadError', 'make_keypoint_subset'
]
