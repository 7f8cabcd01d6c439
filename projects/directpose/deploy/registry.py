"""The exporters of :func:`directpose.deploy.export_onnx`, looked up by the
type of a model's head, as configs name it (``model.head.type``)."""
from mmengine.registry import Registry

#: head type -> the exporter of models with that head
#: (a :class:`~directpose.deploy.BaseOnnxExporter` subclass)
ONNX_EXPORTERS = Registry('onnx exporter', scope='directpose')
