"""Synthetic multi-person pose datasets (synthetic-coco and
synthetic-crowdpose): humanoid figures over textured backgrounds, written
in COCO and CrowdPose keypoint formats. See ``docs/synthetic_data.md``."""
from .config import point_at_dataset
from .presets import SYNTHETIC_PRESETS, SyntheticPreset
from .scene import render_scene
from .writer import make_synthetic_dataset

__all__ = [
    'SYNTHETIC_PRESETS', 'SyntheticPreset', 'make_synthetic_dataset',
    'point_at_dataset', 'render_scene'
]
