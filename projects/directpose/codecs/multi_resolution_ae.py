"""Associative-embedding targets at several heatmap resolutions, for
HigherHRNet-style heads (1/4-resolution heatmaps and tags, plus heatmaps at
higher resolutions)."""
from typing import List, Optional, Sequence, Tuple

import numpy as np
from mmpose.codecs import AssociativeEmbedding
from mmpose.codecs.utils import refine_keypoints
from mmpose.registry import KEYPOINT_CODECS
from mmpose.utils.tensor_utils import to_numpy
from torch import Tensor

from .ae_grouping import fill_missing_keypoints, group_keypoints_by_tags
from .heatmap_decoding import heatmap_nms, refine_keypoints_dark_udp


@KEYPOINT_CODECS.register_module()
class MultiResolutionAssociativeEmbedding(AssociativeEmbedding):
    """mmpose's :class:`AssociativeEmbedding`, trainable and multi-resolution.

    Two gaps keep mmpose's codec from training an AE model, and this codec
    fills them:

    - its ``keypoint_indices`` (the tag positions of the AE loss) are not in
      any mapping table, so ``PackPoseInputs`` drops them. Here they go to
      ``gt_instance_labels`` with the ``keypoint_weights``.
    - ``GenerateTarget(multilevel=True)`` with one codec per resolution
      stacks the per-resolution ``keypoint_indices`` and ``keypoint_weights``
      into (L, N, K) arrays, which no longer index instances. Here one codec
      encodes the heatmaps at every resolution, and the indices and weights
      once, at ``heatmap_size`` (the tags' resolution).

    Encoded:

        - heatmaps (np.ndarray | list[np.ndarray]): (K, H, W) at
          ``heatmap_size``, or a list of them at ``heatmap_size`` followed by
          ``higher_heatmap_sizes`` (then packed as ``MultilevelPixelData``).
        - keypoint_indices (np.ndarray): (N, K, 2), ``[y * W + x, visible]``
          at ``heatmap_size``.
        - keypoint_weights (np.ndarray): (N, K).

    Decoding is :class:`AssociativeEmbedding`'s, with its heatmap NMS,
    DARK-UDP refinement, grouping and missing-keypoint filling replaced by
    faster equivalents (:mod:`.heatmap_decoding`, :mod:`.ae_grouping`), and
    split in two: :meth:`get_candidates` (heatmap NMS and top-k, tensor
    operations that an ONNX graph holds) and :meth:`group_candidates`
    (grouping, refinement and filling, NumPy).

    Args:
        input_size (tuple): Image size ``(w, h)``.
        heatmap_size (tuple): Size ``(W, H)`` of the tag maps and the first
            heatmaps.
        higher_heatmap_sizes (Sequence[tuple]): Sizes of the further
            heatmaps, e.g. ``[(256, 256)]`` for HigherHRNet at 512. Defaults
            to ``()``.
        sigma (float, optional): Gaussian sigma, the same at every
            resolution (as in HigherHRNet and SWAHR). Defaults to
            :class:`AssociativeEmbedding`'s rule for ``heatmap_size``.
        use_udp (bool): Unbiased data processing. Defaults to ``False``.
        **kwargs: The decoding arguments of :class:`AssociativeEmbedding`.
    """

    label_mapping_table = dict(
        keypoint_weights='keypoint_weights',
        keypoint_indices='keypoint_indices')

    def __init__(self,
                 input_size: Tuple[int, int],
                 heatmap_size: Tuple[int, int],
                 higher_heatmap_sizes: Sequence[Tuple[int, int]] = (),
                 sigma: Optional[float] = None,
                 use_udp: bool = False,
                 **kwargs) -> None:
        super().__init__(
            input_size=input_size,
            heatmap_size=heatmap_size,
            sigma=sigma,
            use_udp=use_udp,
            **kwargs)
        self.higher_heatmap_sizes = [tuple(s) for s in higher_heatmap_sizes]
        self.higher_codecs = [
            AssociativeEmbedding(
                input_size=input_size,
                heatmap_size=size,
                sigma=self.sigma,
                use_udp=use_udp) for size in self.higher_heatmap_sizes
        ]

    def encode(self,
               keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None) -> dict:
        """Encode keypoints (N, K, 2) in the input image space; see the
        class docstring for the encoded items."""
        encoded = self._encode_at(self, keypoints, keypoints_visible)
        if self.higher_codecs:
            encoded['heatmaps'] = [encoded['heatmaps']] + [
                self._encode_at(codec, keypoints,
                                keypoints_visible)['heatmaps']
                for codec in self.higher_codecs
            ]
        return encoded

    def _encode_at(self, codec, keypoints: np.ndarray,
                   keypoints_visible: Optional[np.ndarray]) -> dict:
        """``codec.encode`` in the convention the decoding assumes."""
        if not self.use_udp:
            # Pixel j of a heatmap of stride s covers [s*j, s*(j+1)) of the
            # input (HigherHRNet): a keypoint goes to pixel floor(x / s).
            # mmpose's codec rounds x / s, half a pixel off what bilinear
            # resizing with align_corners=False and decode_center_shift=0.5
            # assume (a bias of up to 1.5 input pixels at stride 4).
            keypoints = keypoints - 0.5 * codec.scale_factor
        return AssociativeEmbedding.encode(codec, keypoints, keypoints_visible)

    def batch_decode(
        self, batch_heatmaps: Tensor, batch_tags: Tensor
    ) -> Tuple[List[np.ndarray], List[np.ndarray], List[np.ndarray]]:
        """Decode the persons of a batch: :meth:`get_candidates`, then
        :meth:`group_candidates`.

        Args:
            batch_heatmaps (Tensor): (B, K, H, W) heatmaps.
            batch_tags (Tensor): (B, K*L, H, W) tag maps.

        Returns:
            tuple: per image, keypoints (N, K, 2) in the input space,
            keypoint scores (N, K) and person scores (N, ).
        """
        candidates = to_numpy(self.get_candidates(batch_heatmaps, batch_tags))
        return self.group_candidates(*candidates, to_numpy(batch_heatmaps),
                                     to_numpy(batch_tags))

    def get_candidates(self, batch_heatmaps: Tensor,
                       batch_tags: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """The keypoint candidates: the ``decode_topk`` highest local maxima
        (within ``decode_nms_kernel``) of each heatmap and their tags.

        Args:
            batch_heatmaps (Tensor): (B, K, H, W) heatmaps.
            batch_tags (Tensor): (B, K*L, H, W) tag maps.

        Returns:
            tuple[Tensor, Tensor, Tensor]: scores (B, K, M), tags
            (B, K, M, L) and (x, y) locations (B, K, M, 2), M =
            ``decode_topk``.
        """
        peaks = heatmap_nms(batch_heatmaps, self.decode_nms_kernel)
        return self._get_batch_topk(peaks, batch_tags, k=self.decode_topk)

    def group_candidates(
        self, batch_vals: np.ndarray, batch_cand_tags: np.ndarray,
        batch_locs: np.ndarray, batch_heatmaps: np.ndarray,
        batch_tags: np.ndarray
    ) -> Tuple[List[np.ndarray], List[np.ndarray], List[np.ndarray]]:
        """Group the candidates of :meth:`get_candidates` into persons;
        refine their keypoints on the heatmaps (DARK with UDP, else a
        quarter-pixel shift towards the higher neighbour), shift them by
        ``decode_center_shift``, fill the missing ones from the maps, and
        scale them to the input.

        Args:
            batch_vals, batch_cand_tags, batch_locs (np.ndarray): The
                candidates, as :meth:`get_candidates` returns them.
            batch_heatmaps (np.ndarray): (B, K, H, W) heatmaps.
            batch_tags (np.ndarray): (B, K*L, H, W) tag maps.

        Returns:
            tuple: as :meth:`batch_decode`. A person's score is the mean of
            its grouped keypoints' scores, before filling.
        """
        batch_keypoints, batch_scores, batch_person_scores = [], [], []
        groups = self._group_keypoints(batch_vals, batch_cand_tags, batch_locs)
        for group, heatmaps, tags in zip(groups, batch_heatmaps, batch_tags):
            keypoints, scores = group[..., :-1], group[..., -1]
            batch_person_scores.append(scores.mean(axis=-1))
            if keypoints.size:
                if self.use_udp:
                    keypoints = refine_keypoints_dark_udp(
                        keypoints,
                        heatmaps,
                        blur_kernel_size=self.decode_gaussian_kernel)
                else:
                    keypoints = refine_keypoints(keypoints, heatmaps)
                found = (scores > 0).astype(keypoints.dtype)[..., None]
                keypoints += self.decode_center_shift * found
                keypoints, scores = self._fill_missing_keypoints(
                    keypoints, scores, heatmaps, tags)
            batch_keypoints.append(keypoints * self.scale_factor)
            batch_scores.append(scores)
        return batch_keypoints, batch_scores, batch_person_scores

    def _group_keypoints(self, batch_vals: np.ndarray, batch_tags: np.ndarray,
                         batch_locs: np.ndarray) -> List[np.ndarray]:
        """Group the candidates of each image: (B, K, M), (B, K, M, L) and
        (B, K, M, 2) in, a list of (G, K, 3) out (see
        :func:`.ae_grouping.group_keypoints_by_tags`)."""
        return [
            group_keypoints_by_tags(
                vals,
                tags,
                locs,
                keypoint_order=self.decode_keypoint_order,
                val_thr=self.decode_keypoint_thr,
                tag_thr=self.decode_tag_thr,
                max_groups=self.decode_max_instances)
            for vals, tags, locs in zip(batch_vals, batch_tags, batch_locs)
        ]

    def _fill_missing_keypoints(
            self, keypoints: np.ndarray, keypoint_scores: np.ndarray,
            heatmaps: np.ndarray,
            tags: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """See :func:`.ae_grouping.fill_missing_keypoints`."""
        return fill_missing_keypoints(keypoints, keypoint_scores, heatmaps,
                                      tags)
