"""HigherHRNet/SWAHR associative embedding: the network, the test-time
aggregation of heatmaps and tags and the keypoint candidates in the graph,
the grouping outside."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.config import Config
from torch import Tensor

from .base_exporter import BaseOnnxExporter
from .errors import ExportError
from .registry import ONNX_EXPORTERS


@ONNX_EXPORTERS.register_module(name=['AEHigherResolutionHead'])
class AEHeatmapExporter(BaseOnnxExporter):
    """A HigherHRNet-style associative-embedding model (SWAHR, SAHR, WAHR,
    plain HigherHRNet) as an ONNX graph of heatmaps, tags and keypoint
    candidates.

    Graph: normalisation, backbone and head, with the flip test of
    ``test_cfg.flip_test`` (the mirrored images go through the network in
    the same batch, their maps are flipped back and averaged) and the maps
    resized to the input with ``test_cfg.restore_heatmap_size``: exactly
    :meth:`AEHigherResolutionHead.predict_maps`; then the keypoint
    candidates of the codec's :meth:`~directpose.codecs.
    MultiResolutionAssociativeEmbedding.get_candidates` (heatmap NMS by
    max-pooling, top-k). SWAHR's scale-map branches serve the training loss
    only and are not in the graph. Grouping stays outside, in NumPy:
    :class:`directpose.apis.OnnxPoseModel` hands the outputs to the codec's
    ``group_candidates`` (the fast AE grouping of
    :mod:`directpose.codecs.ae_grouping`, refinement, filling), as the
    PyTorch model's decoding does.

    Outputs:

    - ``heatmaps`` (B, K, H', W');
    - ``tags`` (B, K*L*F, H', W'), F = 2 with the flip test, else 1;
    - ``candidate_scores`` (B, K, M), ``candidate_tags`` (B, K, M, L*F)
      and ``candidate_locs`` (B, K, M, 2) (int64, x and y in the maps),
      M = the codec's ``decode_topk``.

    H', W' are the input's with ``restore_heatmap_size``, else half of it.
    The network is fully convolutional: H and W stay free in the graph
    (multiples of the test pipeline's ``size_factor``), so the test
    pipeline's ``resize_mode='expand'`` sizes run as in PyTorch.

    Args: see :class:`BaseOnnxExporter`.
    """

    output_names = ('heatmaps', 'tags', 'candidate_scores', 'candidate_tags',
                    'candidate_locs')
    output_axes = {
        name: {
            2: 'map_height',
            3: 'map_width'
        }
        for name in ('heatmaps', 'tags')
    }
    decoding = 'heatmaps'
    dynamic_input_size = True

    def __init__(self, model: nn.Module, cfg: Config,
                 input_size: Sequence[int]):
        super().__init__(model, cfg, input_size)
        self.test_cfg = dict(model.test_cfg or {})
        self.flip_indices = None
        if self.test_cfg.get('flip_test', False):
            self.flip_indices = list(model.dataset_meta['flip_indices'])

    @classmethod
    def adapt_config(cls, cfg: Config) -> Config:
        """Refuses the multi-scale test, which takes an image pyramid, and
        decoders that cannot give the candidates apart."""
        decoder = cfg.model.head.get('decoder') or {}
        if decoder.get('type') != 'MultiResolutionAssociativeEmbedding':
            raise ExportError(
                f'model.head.decoder.type={decoder.get("type")!r}: the '
                'export takes the keypoint candidates from the codec\'s '
                "get_candidates; expected "
                "'MultiResolutionAssociativeEmbedding'")
        if cfg.model.get('test_cfg', {}).get('multiscale_test', False):
            raise ExportError(
                'model.test_cfg.multiscale_test=True: the export takes one '
                'image size; expected multiscale_test=False (--cfg-options '
                'model.test_cfg.multiscale_test=False)')
        return cfg

    def forward(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        """Images (B, 3, H, W) -> the outputs (see the class docstring)."""
        images = self.preprocess(inputs)
        if self.flip_indices is None:
            feats = self.model.extract_feat(images)
        else:
            # one batch of the images and their mirrors
            both = self.model.extract_feat(
                torch.cat((images, images.flip(-1))))
            halves = [f.chunk(2) for f in both]
            feats = [tuple(h[0] for h in halves), tuple(h[1] for h in halves)]
        size = None
        if self.test_cfg.get('restore_heatmap_size', False):
            size = (inputs.shape[3], inputs.shape[2])
        heatmaps, tags = self.model.head.predict_maps(feats, self.test_cfg,
                                                      self.flip_indices, size)
        candidates = self.model.head.decoder.get_candidates(heatmaps, tags)
        return (heatmaps, tags, *candidates)
