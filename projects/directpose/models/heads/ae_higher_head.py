"""HigherHRNet's associative-embedding head, optionally with SWAHR's scale
maps."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import ModuleList
from mmengine.structures import PixelData
from mmpose.models.backbones.resnet import BasicBlock
from mmpose.models.heads import AssociativeEmbeddingHead
from mmpose.models.utils.tta import aggregate_heatmaps, flip_heatmaps
from mmpose.registry import MODELS
from mmpose.utils.typing import (ConfigType, Features, OptConfigType,
                                 OptSampleList, Predictions)
from torch import Tensor


def average_maps(maps: Sequence[Tensor]) -> Tensor:
    """The mean of maps of one shape, e.g. a map and its flip, (B, C, H, W)
    each; the map itself when there is one (no copy).

    mmpose's ``aggregate_heatmaps`` sums and divides (``sum(maps) /
    len(maps)``); so does this, with the same float operations (from 0, as
    Python's ``sum``), in one new tensor instead of one per operation
    (first-touch page faults of 1.7 MB tensors cost more than the sums).
    """
    if len(maps) == 1:
        return maps[0]
    total = 0 + maps[0]
    for m in maps[1:]:
        total.add_(m)
    return total.div_(len(maps))


def resize_maps(maps: Tensor, size: Optional[Tuple[int, int]],
                align_corners: bool) -> Tensor:
    """(B, C, h, w) maps bilinearly resized to ``size`` (w, h), as mmpose's
    ``aggregate_heatmaps`` resizes them; unchanged when ``size`` is None or
    theirs.

    Resizing is channel by channel and linear: maps concatenated along C
    and resized together are bit for bit the maps resized one by one, and
    the resized mean of maps is the mean of the resized maps up to float
    rounding.
    """
    if size is None:
        return maps
    w, h = size
    if maps.shape[2:4] == (h, w):
        return maps
    return F.interpolate(
        maps, size=(h, w), mode='bilinear', align_corners=align_corners)


@MODELS.register_module()
class AEHigherResolutionHead(AssociativeEmbeddingHead):
    """HigherHRNet head: associative embedding at 1/4 of the input and a
    deconvolution stage to 1/2, with SWAHR's scale maps as an option.

    - 1/4 resolution: a 1x1 conv on the backbone's highest-resolution
      features gives K heatmaps and K*L tags (mmpose's
      :class:`AssociativeEmbeddingHead` with no deconv layers).
    - 1/2 resolution: the features, concatenated with the 1/4 outputs
      (``cat_output``), go through a 4x4 deconv + BN + ReLU and
      ``num_basic_blocks`` BasicBlocks, then a 1x1 conv gives K heatmaps.
    - ``scale_branch`` (e.g. ``dict(type='ScaleMapBranch')``) adds one scale
      branch per resolution, on the features the heatmap conv sees; their
      scale maps go to the keypoint loss as ``scale=`` (SWAHR's SAHR, see
      :class:`AdaptiveHeatmapLoss`). ``None`` gives plain HigherHRNet.

    Training: the keypoint loss at both resolutions with the heatmap masks,
    and the AE loss on the 1/4 tags (``loss_pull``/``loss_push`` are mmpose's
    sums over the images divided by the batch size, i.e. averaged over
    images like HigherHRNet and SWAHR). Testing (``forward``): the 1/4
    heatmaps are resized to 1/2 and averaged with the 1/2 heatmaps, the tags
    are resized to 1/2; ``predict`` then aggregates flips and scales and
    groups with the AE decoder.

    Args:
        in_channels (int): Channels of the backbone's last feature map.
        num_keypoints (int): K.
        tag_dim (int): L, the tag dimension. Defaults to 1.
        tag_per_keypoint (bool): K*L tag maps (else L). Defaults to ``True``.
        higher_channels (int): Channels of the 1/2-resolution stage.
            Defaults to 32.
        deconv_kernel_size (int): Kernel of the deconv (4, 3 or 2).
            Defaults to 4.
        num_basic_blocks (int): BasicBlocks after the deconv. Defaults to 4.
        cat_output (bool): Feed the 1/4 heatmaps and tags into the deconv
            stage. Defaults to ``True``.
        scale_branch (dict, optional): Config of the scale-map branch,
            without ``in_channels``/``num_keypoints``. Defaults to ``None``.
        keypoint_loss (dict): Heatmap loss at each resolution, called as
            ``loss(pred, gt, None, mask[, scale=scale])``. Defaults to
            :class:`KeypointMSELoss`.
        tag_loss (dict): Defaults to :class:`AssociativeEmbeddingLoss`.
        decoder (dict, optional): The AE codec that decodes the aggregated
            heatmaps and tags.
        init_cfg (dict, optional): Defaults to :class:`HeatmapHead`'s
            (normal std 0.001), as HigherHRNet.
    """

    def __init__(self,
                 in_channels: int,
                 num_keypoints: int,
                 tag_dim: int = 1,
                 tag_per_keypoint: bool = True,
                 higher_channels: int = 32,
                 deconv_kernel_size: int = 4,
                 num_basic_blocks: int = 4,
                 cat_output: bool = True,
                 scale_branch: OptConfigType = None,
                 keypoint_loss: ConfigType = dict(type='KeypointMSELoss'),
                 tag_loss: ConfigType = dict(type='AssociativeEmbeddingLoss'),
                 decoder: OptConfigType = None,
                 init_cfg: OptConfigType = None):
        super().__init__(
            in_channels=in_channels,
            num_keypoints=num_keypoints,
            tag_dim=tag_dim,
            tag_per_keypoint=tag_per_keypoint,
            deconv_out_channels=None,
            keypoint_loss=keypoint_loss,
            tag_loss=tag_loss,
            decoder=decoder,
            init_cfg=init_cfg)
        self.cat_output = cat_output

        deconv_in = in_channels + (self.out_channels if cat_output else 0)
        deconv = self._make_deconv_layers(deconv_in, [higher_channels],
                                          [deconv_kernel_size])
        blocks = [
            BasicBlock(higher_channels, higher_channels)
            for _ in range(num_basic_blocks)
        ]
        self.higher_layers = nn.Sequential(deconv, *blocks)
        self.higher_final_layer = nn.Conv2d(higher_channels, num_keypoints, 1)

        if scale_branch is None:
            self.scale_branches = None
        else:
            # mmengine's ModuleList runs the branches' own init_weights
            self.scale_branches = ModuleList([
                MODELS.build(
                    dict(
                        scale_branch,
                        in_channels=channels,
                        num_keypoints=num_keypoints))
                for channels in (in_channels, higher_channels)
            ])

    def forward_stages(
            self, feats: Sequence[Tensor]
    ) -> Tuple[List[Tensor], Tensor, List[Tensor]]:
        """Run both resolutions.

        Args:
            feats (Sequence[Tensor]): Backbone features; the last one,
                (B, C, h, w), is used.

        Returns:
            tuple:
            - heatmaps (list[Tensor]): (B, K, h, w) and (B, K, 2h, 2w).
            - tags (Tensor): (B, K*L, h, w), or (B, L, h, w) without
              ``tag_per_keypoint``.
            - stage_feats (list[Tensor]): the features of each resolution,
              (B, C, h, w) and (B, higher_channels, 2h, 2w).
        """
        x = feats[-1]
        out = self.final_layer(x)
        y = self.higher_layers(
            torch.cat([x, out], dim=1) if self.cat_output else x)
        K = self.num_keypoints
        heatmaps = [out[:, :K], self.higher_final_layer(y)]
        return heatmaps, out[:, K:], [x, y]

    @property
    def align_corners(self) -> bool:
        """How heatmaps are resized at test time: with the corners aligned
        for UDP decoding, by pixel areas otherwise."""
        return bool(getattr(self.decoder, 'use_udp', False))

    def forward(self, feats: Sequence[Tensor]) -> Tuple[Tensor, Tensor]:
        """Test-time outputs at 1/2 resolution: the heatmaps of both
        resolutions averaged, (B, K, 2h, 2w), and the upsampled tags."""
        heatmaps, tags, _ = self.forward_stages(feats)
        h, w = heatmaps[-1].shape[2:]
        heatmaps = aggregate_heatmaps(
            heatmaps, (w, h), self.align_corners, mode='average')
        tags = aggregate_heatmaps([tags], (w, h),
                                  self.align_corners,
                                  mode='average')
        return heatmaps, tags

    def predict(self,
                feats: Features,
                batch_data_samples: OptSampleList,
                test_cfg: ConfigType = {}) -> Predictions:
        """Flip and multi-scale test, then AE grouping.

        As :meth:`AssociativeEmbeddingHead.predict`: ``feats`` is one
        feature tuple, a ``[orig, flipped]`` pair with ``flip_test``, and a
        list of those (input scale first) with ``multiscale_test``. The
        heatmaps and tags are aggregated by :meth:`predict_maps`, then
        grouped by the AE decoder. Unlike mmpose's, it runs a plain
        single-scale test and a multi-scale one (mmpose's misses the
        resizing size), and batches of images of different sizes (mmpose's
        resizes the batch to its first image's size, which scales the
        keypoints of the others).

        Returns:
            list[InstanceData]: keypoints (N, K, 2) in the input space,
            keypoint_scores (N, K) and bbox_scores (N, ), per image; with
            ``output_heatmaps`` also the heatmaps and tags as ``PixelData``.
        """
        size = None
        if test_cfg.get('restore_heatmap_size', False):
            # the batch tensor's size, where every image sits at the top left
            meta = batch_data_samples[0].metainfo
            img_h, img_w = meta.get('batch_input_shape', meta['img_shape'])
            size = (img_w, img_h)
        flip_indices = None
        if test_cfg.get('flip_test', False):
            flip_indices = batch_data_samples[0].metainfo['flip_indices']
        batch_heatmaps, batch_tags = self.predict_maps(feats, test_cfg,
                                                       flip_indices, size)
        preds = self.decode((batch_heatmaps, batch_tags))
        if test_cfg.get('output_heatmaps', False):
            return preds, [
                PixelData(heatmaps=h, tags=t)
                for h, t in zip(batch_heatmaps.detach(), batch_tags.detach())
            ]
        return preds

    def predict_maps(
            self,
            feats: Features,
            test_cfg: ConfigType,
            flip_indices: Optional[Sequence[int]] = None,
            size: Optional[Tuple[int, int]] = None) -> Tuple[Tensor, Tensor]:
        """The heatmaps and tags that the AE decoder groups.

        Heatmaps are averaged over flips and scales (resized to ``size``,
        else to the input scale's heatmaps); tags come from the input scale,
        the flipped ones concatenated as a second tag dimension. mmpose's
        ``aggregate_heatmaps`` resizes each map, then averages or
        concatenates them; here the flips are averaged or concatenated at
        the network's resolution and resized once (:func:`average_maps`,
        :func:`resize_maps`), a quarter of the averaging and a third less
        resizing at 2x. Tags are bit for bit mmpose's; heatmaps are equal
        up to float rounding (bilinear resizing is linear: the mean of the
        resized maps is the resized mean; about 1e-7 apart for heatmaps in
        [0, 1]), and decode to the same persons (tests).
        Traceable: ONNX exports run it
        (:class:`directpose.deploy.AEHeatmapExporter`).

        Args:
            feats (Features): As in :meth:`predict`.
            test_cfg (dict): ``flip_test``, ``multiscale_test``,
                ``shift_heatmap``, ``align_corners``.
            flip_indices (Sequence[int], optional): The keypoint each
                keypoint becomes when mirrored; needed with ``flip_test``.
            size (tuple[int, int], optional): (w, h) to resize the maps to,
                e.g. the input image's with ``restore_heatmap_size``.

        Returns:
            tuple[Tensor, Tensor]: heatmaps (B, K, H, W) and tags
            (B, K*L*F, H, W), F = 2 with ``flip_test`` else 1.
        """
        align_corners = test_cfg.get('align_corners', False)
        if align_corners != self.align_corners:
            raise ValueError(
                f'test_cfg.align_corners must be {self.align_corners} with '
                f'a decoder of use_udp={self.align_corners}: UDP maps '
                'pixel centres (align_corners=True), the other codecs pixel '
                'areas')
        if not test_cfg.get('multiscale_test', False):
            feats = [feats]

        scale_heatmaps = []
        for scale_feats in feats:
            heatmaps, tags = self._predict_one_scale(scale_feats, flip_indices,
                                                     test_cfg)
            scale_heatmaps.append(
                resize_maps(average_maps(heatmaps), size, align_corners))
            if len(scale_heatmaps) == 1:  # tags of the input scale
                batch_tags = resize_maps(
                    torch.cat(tags, dim=1), size, align_corners)
        if len(scale_heatmaps) == 1:
            return scale_heatmaps[0], batch_tags
        batch_heatmaps = aggregate_heatmaps(scale_heatmaps, None,
                                            align_corners, 'average')
        return batch_heatmaps, batch_tags

    def _predict_one_scale(
            self, feats: Features, flip_indices: Optional[Sequence[int]],
            test_cfg: ConfigType) -> Tuple[List[Tensor], List[Tensor]]:
        """The heatmaps and tags of one scale: [orig] or, with
        ``flip_test``, [orig, flipped back]."""
        if not test_cfg.get('flip_test', False):
            heatmaps, tags = self.forward(feats)
            return [heatmaps], [tags]
        shift = test_cfg.get('shift_heatmap', False)
        heatmaps, tags = self.forward(feats[0])
        heatmaps_flip, tags_flip = self.forward(feats[1])
        heatmaps_flip = flip_heatmaps(
            heatmaps_flip,
            flip_mode='heatmap',
            flip_indices=flip_indices,
            shift_heatmap=shift)
        tags_flip = self._flip_tags(tags_flip, flip_indices, shift)
        return [heatmaps, heatmaps_flip], [tags, tags_flip]

    def loss(self,
             feats: Sequence[Tensor],
             batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> dict:
        """Heatmap losses at both resolutions (``loss_kpt`` at 1/4,
        ``loss_kpt_higher`` at 1/2) and the AE losses.

        Needs ``gt_fields.heatmaps`` and ``gt_fields.heatmap_mask`` at both
        resolutions (:class:`MultiResolutionAssociativeEmbedding` and
        ``BottomupGetHeatmapMask``) and ``gt_instance_labels.keypoint_indices``
        at 1/4.
        """
        pred_heatmaps, pred_tags, stage_feats = self.forward_stages(feats)
        if self.scale_branches is None:
            scales = [None] * len(pred_heatmaps)
        else:
            scales = [
                branch(x)
                for branch, x in zip(self.scale_branches, stage_feats)
            ]
        gt_heatmaps, gt_masks = self._get_heatmap_targets(
            batch_data_samples, num_levels=len(pred_heatmaps))

        losses = dict()
        for name, pred, gt, mask, scale in zip(('loss_kpt', 'loss_kpt_higher'),
                                               pred_heatmaps, gt_heatmaps,
                                               gt_masks, scales):
            kwargs = {} if scale is None else dict(scale=scale)
            losses[name] = self.loss_module.keypoint_loss(
                pred, gt, None, mask, **kwargs)

        if not self.tag_per_keypoint:
            pred_tags = pred_tags.repeat((1, self.num_keypoints, 1, 1))
        keypoint_indices = [
            d.gt_instance_labels.keypoint_indices for d in batch_data_samples
        ]
        loss_pull, loss_push = self.loss_module.tag_loss(
            pred_tags, keypoint_indices)
        num_images = len(batch_data_samples)
        losses.update(
            loss_pull=loss_pull / num_images, loss_push=loss_push / num_images)
        return losses

    @staticmethod
    def _get_heatmap_targets(
            batch_data_samples: OptSampleList,
            num_levels: int) -> Tuple[List[Tensor], List[Tensor]]:
        """Stack the per-resolution target heatmaps (B, K, H, W) and masks
        (B, 1, H, W) of a batch."""

        def _levels(field: str) -> List[Optional[Tensor]]:
            per_sample = []
            for d in batch_data_samples:
                value = d.gt_fields.get(field)
                if not isinstance(value,
                                  (list, tuple)) or len(value) != num_levels:
                    raise ValueError(
                        f'gt_fields.{field} must hold {num_levels} '
                        'resolutions; encode the targets with '
                        'MultiResolutionAssociativeEmbedding('
                        'higher_heatmap_sizes=...) and add '
                        'BottomupGetHeatmapMask after GenerateTarget')
                per_sample.append(value)
            return [torch.stack(level) for level in zip(*per_sample)]

        heatmaps = _levels('heatmaps')
        masks = [
            mask[:, None].to(h.dtype)
            for mask, h in zip(_levels('heatmap_mask'), heatmaps)
        ]
        return heatmaps, masks
