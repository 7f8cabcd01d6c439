"""What every ONNX exporter shares: the graph's input and its normalisation,
the checks of the input size, and writing the file."""
import copy
import inspect
import io
import math
import warnings
from typing import Dict, Iterator, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.config import Config
from mmpose.datasets.transforms import BottomupResize
from mmpose.registry import TRANSFORMS
from torch import Tensor

from directpose.datasets.transforms import BottomupShortSideResize
from directpose.utils import atomic_open
from .errors import ExportError


def _is_step(step: dict, classes: tuple) -> bool:
    """Whether a pipeline step is a transform of one of ``classes`` (or of
    a subclass)."""
    transform = TRANSFORMS.get(step['type'])
    return isinstance(transform, type) and issubclass(transform, classes)


def resize_steps(cfg: Config) -> Iterator[dict]:
    """The steps of the test pipeline that resize the image: a
    ``BottomupResize``, its subclasses included (e.g.
    ``BottomupPyramidResize``), or a ``BottomupShortSideResize``."""
    for step in cfg.test_dataloader.dataset.pipeline:
        if _is_step(step, (BottomupResize, BottomupShortSideResize)):
            yield step


def size_divisor(cfg: Config) -> int:
    """What the input's width and height must be multiples of: the test
    pipeline's ``size_factor`` (``BottomupResize``'s default 32) and the
    data preprocessor's ``pad_size_divisor``."""
    divisor = cfg.model.get('data_preprocessor', {}).get('pad_size_divisor', 1)
    for step in resize_steps(cfg):
        default = inspect.signature(
            TRANSFORMS.get(step['type'])).parameters['size_factor'].default
        divisor = math.lcm(divisor, step.get('size_factor', default))
    return divisor


def pipeline_input_size(cfg: Config) -> Optional[Tuple[int, int]]:
    """(w, h) that the test pipeline's ``BottomupResize`` resizes to, or
    None without one (e.g. with ``BottomupShortSideResize``, whose size
    follows the image's)."""
    for step in resize_steps(cfg):
        if 'input_size' in step:
            return tuple(step['input_size'])
    return None


def fixed_size_pipeline(cfg: Config, input_size: Sequence[int]) -> Config:
    """A copy of ``cfg`` whose test pipeline resizes every image to
    ``input_size`` (w, h), for a graph of that fixed size.

    A ``BottomupResize`` takes that size. A ``BottomupShortSideResize``
    (whose size follows the image's aspect ratio) becomes a
    ``BottomupResize`` of that size with its ``size_factor``: the image
    scaled to fit, aspect ratio kept, centred and padded (a letterbox);
    its metainfo maps the predictions back to the image exactly.
    """
    cfg = copy.deepcopy(cfg)
    pipeline = cfg.test_dataloader.dataset.pipeline
    for i, step in enumerate(pipeline):
        if _is_step(step, (BottomupResize, )):
            step['input_size'] = tuple(input_size)
        elif _is_step(step, (BottomupShortSideResize, )):
            pipeline[i] = dict(
                type='BottomupResize',
                input_size=tuple(input_size),
                size_factor=step.get('size_factor', 1))
    return cfg


class BaseOnnxExporter(nn.Module):
    """A bottom-up pose estimator as an ONNX graph.

    The graph's input ``input`` (B, 3, H, W), float32, is the images as the
    config's test pipeline leaves them: resized and padded, pixel values in
    the channel order they were loaded in (BGR), not normalised. The graph
    runs the data preprocessor's channel swap and mean/std normalisation
    itself, so a runtime only resizes and pads (what rtmlib does for RTMO).
    What it outputs, and how :class:`directpose.apis.OnnxPoseModel` reads
    it, is the subclass's: ``output_names`` and ``decoding``
    ('instances': ``dets`` (B, N, 5) and ``keypoints`` (B, N, K, 3) in the
    input's pixels; 'heatmaps': heatmaps, tags and keypoint candidates that
    the config's codec groups).

    A subclass registers in :data:`~directpose.deploy.ONNX_EXPORTERS` under
    the head types it exports, implements :meth:`forward` (``input`` to the
    outputs, traceable) and may adapt the config before the model is built
    (:meth:`adapt_config`).

    Args:
        model (nn.Module): The pose estimator, in eval mode after
            ``switch_to_deploy()``.
        cfg (Config): Its config.
        input_size (tuple[int, int]): (w, h) of the traced input; multiples
            of :func:`size_divisor`.
    """

    output_names: Tuple[str, ...] = ()
    #: the free axes of each output besides the batch: {name: {axis: name}}
    output_axes: Dict[str, Dict[int, str]] = {}
    decoding: str = ''
    #: whether H and W stay free in the graph (else fixed to input_size)
    dynamic_input_size: bool = False
    #: the lowest opset with every operator of the graph (11: Resize with
    #: aligned corners, NonMaxSuppression; e.g. 16 for GridSample)
    min_opset: int = 11

    def __init__(self, model: nn.Module, cfg: Config,
                 input_size: Sequence[int]):
        super().__init__()
        self.model = model
        self.cfg = cfg
        self.input_size = self.check_input_size(cfg, input_size)
        preprocessor = model.data_preprocessor
        self.swap_channels = bool(preprocessor._channel_conversion)
        self.normalize = bool(preprocessor._enable_normalize)
        if self.normalize:
            self.register_buffer('mean', preprocessor.mean.view(1, -1, 1, 1))
            self.register_buffer('std', preprocessor.std.view(1, -1, 1, 1))

    @classmethod
    def adapt_config(cls, cfg: Config) -> Config:
        """The config to build the exported model from (e.g. another head
        with the same weights). Raises :class:`ExportError` for settings the
        export cannot follow."""
        return cfg

    @staticmethod
    def check_input_size(cfg: Config,
                         input_size: Sequence[int]) -> Tuple[int, int]:
        """``input_size`` as (w, h) ints, or an :class:`ExportError` that
        names it and what the config needs."""
        divisor = size_divisor(cfg)
        size = tuple(int(s) for s in input_size)
        if len(size) != 2 or min(size) <= 0 or any(s % divisor for s in size):
            raise ExportError(
                f'input size {tuple(input_size)}: expected a width and a '
                f'height that are positive multiples of {divisor} (the test '
                "pipeline's BottomupResize.size_factor and the data "
                "preprocessor's pad_size_divisor)")
        return size

    def preprocess(self, inputs: Tensor) -> Tensor:
        """The data preprocessor's channel swap and normalisation.

        Args:
            inputs (Tensor): (B, 3, H, W) pixel values, loaded channel order.

        Returns:
            Tensor: (B, 3, H, W), what the backbone takes.
        """
        if self.swap_channels:
            inputs = inputs.flip(1)
        if self.normalize:
            inputs = (inputs - self.mean) / self.std
        return inputs

    def example_input(self, batch_size: int = 1) -> Tensor:
        """A traceable input: (batch_size, 3, h, w) random pixel values."""
        w, h = self.input_size
        generator = torch.Generator().manual_seed(0)
        return torch.rand(batch_size, 3, h, w, generator=generator) * 255

    def dynamic_axes(self, dynamic_batch: bool) -> Dict[str, Dict[int, str]]:
        """The free axes of the input and outputs: the batch with
        ``dynamic_batch``, H and W of the input with
        :attr:`dynamic_input_size`, and :attr:`output_axes`."""
        axes = {'input': {}}
        if dynamic_batch:
            axes['input'][0] = 'batch'
        if self.dynamic_input_size:
            axes['input'].update({2: 'height', 3: 'width'})
        for name in self.output_names:
            axes[name] = dict(self.output_axes.get(name, {}))
            if dynamic_batch:
                axes[name][0] = 'batch'
        return axes

    def to_onnx(self,
                dynamic_batch: bool = False,
                opset: int = 17,
                metadata: Optional[Dict[str, str]] = None):
        """Trace the graph.

        Args:
            dynamic_batch (bool): Leave the batch size free (else 1).
            opset (int): The ONNX opset, at least :attr:`min_opset`.
            metadata (dict, optional): Written into the model's
                ``metadata_props``.

        Returns:
            onnx.ModelProto: The checked model.
        """
        import onnx
        if opset < self.min_opset:
            raise ExportError(
                f'opset {opset}: expected {self.min_opset} or more for the '
                f'operators of {type(self).__name__}\'s graph')
        # two images when the batch is free: a traced size of 1 can be
        # taken for a broadcastable constant
        example = self.example_input(2 if dynamic_batch else 1)
        buffer = io.BytesIO()
        with torch.no_grad(), warnings.catch_warnings():
            # shape checks and the eager NMS loop are traced as constants,
            # which is what the graph needs
            warnings.simplefilter('ignore', torch.jit.TracerWarning)
            # the TorchScript exporter: it exports torch.autograd.Function
            # symbolics (ONNX's NonMaxSuppression) and data-dependent shapes
            # (the number of persons kept) as they are
            torch.onnx.export(
                self, (example, ),
                buffer,
                dynamo=False,
                opset_version=opset,
                input_names=['input'],
                output_names=list(self.output_names),
                dynamic_axes=self.dynamic_axes(dynamic_batch))
        model = onnx.load_from_string(buffer.getvalue())
        for key, value in (metadata or {}).items():
            model.metadata_props.add(key=key, value=value)
        onnx.checker.check_model(model)
        return model

    def export(self,
               path: str,
               dynamic_batch: bool = False,
               opset: int = 17,
               metadata: Optional[Dict[str, str]] = None) -> str:
        """Trace the graph (:meth:`to_onnx`) and write it to ``path``
        atomically: a failed export leaves no file (or the previous one).

        Returns:
            str: ``path``.
        """
        model = self.to_onnx(dynamic_batch, opset, metadata)
        with atomic_open(path, 'wb') as f:
            f.write(model.SerializeToString())
        return path
