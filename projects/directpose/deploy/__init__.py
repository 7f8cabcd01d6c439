"""ONNX export of the pose models (``tools/deploy/export_onnx.py``).

One exporter per kind of head, registered in :data:`ONNX_EXPORTERS` under
the head types it exports; :func:`export_onnx` picks it by the config's
``model.head.type``. :class:`directpose.apis.OnnxPoseModel` runs the
exported files with ONNX Runtime.
"""
from .ae_heatmap_exporter import AEHeatmapExporter
from .base_exporter import BaseOnnxExporter
from .directpose_exporter import DirectPoseExporter
from .errors import ExportError
from .export import build_exporter, export_onnx, metadata
from .onnx_nms import NonMaxSuppression, nms_keep, run_on_kept, take_rows
from .registry import ONNX_EXPORTERS
from .rtmo_exporter import RTMOExporter

__all__ = [
    'AEHeatmapExporter', 'BaseOnnxExporter', 'DirectPoseExporter',
    'ExportError', 'NonMaxSuppression', 'ONNX_EXPORTERS', 'RTMOExporter',
    'build_exporter', 'export_onnx', 'metadata', 'nms_keep', 'run_on_kept',
    'take_rows'
]
