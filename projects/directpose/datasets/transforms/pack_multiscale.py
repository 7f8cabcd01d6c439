"""Packing image pyramids for multi-scale bottom-up testing."""
from mmpose.datasets.transforms import PackPoseInputs
from mmpose.datasets.transforms.formatting import image_to_tensor
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PackMultiScalePoseInputs(PackPoseInputs):
    """:class:`PackPoseInputs` that also packs an image pyramid.

    ``BottomupResize(aug_scales=...)`` leaves a list of images of different
    sizes (the input scale first), which :class:`PackPoseInputs` cannot
    stack. Here ``inputs`` becomes the list of their (C, H, W) tensors, for
    :class:`MultiScalePoseDataPreprocessor`; a single image is packed as
    :class:`PackPoseInputs` does. Add ``'aug_scales'`` to ``meta_keys`` so
    that the model sees the scales.
    """

    def transform(self, results: dict) -> dict:
        images = results['img']
        if not isinstance(images, (list, tuple)):
            return super().transform(results)
        packed = super().transform(dict(results, img=images[0]))
        packed['inputs'] = [image_to_tensor(img) for img in images]
        return packed
