"""Where the time of one ``test_step`` of an ONNX Runtime model goes."""
from .timing import StageTimer

#: the stages of :class:`OnnxStageTimer`
ONNX_STAGES = ('preprocess', 'network', 'postprocess')


class OnnxStageTimer(StageTimer):
    """:class:`StageTimer` for :class:`directpose.apis.OnnxPoseModel`.

    Inside the ``with`` block, its ``stack_inputs`` (the images as one
    float32 batch: preprocessing, the normalisation being in the graph) and
    its ``run`` (the session: the network and, for end-to-end graphs, the
    decoding and NMS) are timed; the rest of ``test_step`` is
    post-processing: grouping, rescaling to the image.

    Args:
        model (OnnxPoseModel): The model.
    """

    stages = ONNX_STAGES

    def __init__(self, model):
        super().__init__(model, sync=False)

    def __enter__(self) -> 'OnnxStageTimer':
        self._wrap_method(self.model, 'stack_inputs', 'preprocess')
        self._wrap_method(self.model, 'run', 'network')
        return self
