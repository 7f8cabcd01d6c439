"""Preprocessing image pyramids for multi-scale bottom-up testing."""
from mmpose.models.data_preprocessors import PoseDataPreprocessor
from mmpose.registry import MODELS


@MODELS.register_module()
class MultiScalePoseDataPreprocessor(PoseDataPreprocessor):
    """:class:`PoseDataPreprocessor` that also takes image pyramids.

    With :class:`PackMultiScalePoseInputs`, every sample's ``inputs`` is a
    list of images, one per test scale; ``pseudo_collate`` turns the batch
    into one sequence of images per scale. Each scale is normalised and
    batched on its own and the model gets the list of (B, C, H, W) batches
    that ``BottomupPoseEstimator.predict`` expects for ``multiscale_test``.
    The samples' ``batch_input_shape`` and ``pad_shape`` are those of the
    first (input) scale. Otherwise it is :class:`PoseDataPreprocessor`.
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        inputs = data['inputs']
        if not all(isinstance(x, (list, tuple)) for x in inputs):
            return super().forward(data, training)
        pyramid = []
        # the input scale last, so that its shapes stay in the metainfo
        for scale_inputs in reversed(inputs):
            out = super().forward(
                dict(
                    inputs=list(scale_inputs),
                    data_samples=data['data_samples']), training)
            pyramid.insert(0, out['inputs'])
        return dict(inputs=pyramid, data_samples=out['data_samples'])
