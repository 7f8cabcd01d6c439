"""User-facing entry points: model-zoo names, checkpoint download,
inference helpers (PyTorch and ONNX Runtime, one image or many in
batches)."""
from .batch_inference import (collate_images, inference_images,
                              iter_inference_batches, test_pipeline)
from .image_input import image_files
from .inference import draw_predictions, init_model
from .model_zoo import (ModelZooEntry, default_model_index,
                        get_model_zoo_entry, load_model_zoo,
                        resolve_checkpoint, resolve_config)
from .onnx_pose_model import OnnxPoseModel

__all__ = [
    'ModelZooEntry', 'OnnxPoseModel', 'collate_images', 'default_model_index',
    'draw_predictions', 'get_model_zoo_entry', 'image_files',
    'inference_images', 'init_model', 'iter_inference_batches',
    'load_model_zoo', 'resolve_checkpoint', 'resolve_config', 'test_pipeline'
]
