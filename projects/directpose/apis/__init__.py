"""User-facing entry points: model-zoo names, checkpoint download and
inference helpers."""
from .image_input import image_files
from .inference import draw_predictions, init_model
from .model_zoo import (ModelZooEntry, default_model_index,
                        get_model_zoo_entry, load_model_zoo,
                        resolve_checkpoint, resolve_config)

__all__ = [
    'ModelZooEntry', 'default_model_index', 'draw_predictions',
    'get_model_zoo_entry', 'image_files', 'init_model', 'load_model_zoo',
    'resolve_checkpoint', 'resolve_config'
]
