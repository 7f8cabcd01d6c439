"""RTMO's Dynamic Coordinate Classifier (DCC) as a registered module.

RTMO (Lu et al., 2023) predicts each keypoint coordinate by classifying it
into bins that are spread over the instance's padded box ("dynamic bin
allocation"). A bin is represented by a sine encoding of its position
relative to the location that predicts the instance, mapped by a linear
layer; a keypoint is represented by a feature obtained from the instance
feature and refined by a gated attention unit (GAU) across the K keypoints.
Their dot products are the logits of two 1-D distributions (x and y), whose
expectations are the keypoint coordinates. A learned per-keypoint sigma
turns the GT coordinate into a Laplace likelihood over the bins, maximised by
:class:`mmpose.models.losses.MLECCLoss`.

Parameter and buffer names are those of the ``dcc`` of mmpose's
``RTMOHead``, so its weights load into this module unchanged.
"""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import Scale
from mmengine.model import BaseModule
from mmpose.models.utils.transformer import GAUEncoder, SinePositionalEncoding
from mmpose.registry import MODELS
from mmpose.utils.typing import OptConfigType
from torch import Tensor

Distributions = Tuple[Tensor, Tensor]


@MODELS.register_module()
class DCC(BaseModule):
    """Dynamic Coordinate Classifier of RTMO.

    Inputs are per-instance feature vectors, the padded boxes the bins are
    spread over, as centre and size in input-image pixels (e.g.
    ``torch.cat(bbox_xyxy2cs(bboxes, padding=1.25), dim=-1)``), and the
    (x, y) points of the locations that predict the instances. Any number of
    leading dimensions ``...`` is accepted (``[N]`` in a head, ``[B, N]`` in
    an exported graph).

    Args:
        in_channels (int): Channels C of the instance feature vectors.
        num_keypoints (int): Number of keypoints K.
        feat_channels (int): Channels of the keypoint and bin features.
            Defaults to 128.
        num_bins (Sequence[int]): Number of bins (Bx, By) along x and y.
            Defaults to (192, 256).
        spe_channels (int): Channels of the sine encoding of bin positions.
            Defaults to 128.
        spe_temperature (float): Temperature of that encoding. Defaults to
            300.
        gau_cfg (dict, optional): Arguments of the
            :class:`mmpose.models.utils.GAUEncoder` that lets keypoint
            features attend to each other (its token dims are
            ``feat_channels``). With ``pos_enc='add'`` a learnable
            per-keypoint embedding ``pos_enc`` [K, s] is added to its queries
            and keys. ``None`` disables the GAU.
        loss_mle (dict, optional): Config of the loss that :meth:`loss`
            applies to the 1-D distributions and their Laplace targets.
            Defaults to ``MLECCLoss`` with target weights. ``None`` when the
            calling head owns that loss (as mmpose's ``RTMOHead`` does).
        detach_bins (bool): Spread the bins over the boxes without a gradient
            to them, so that the MLECC loss trains the classifier but does
            not move the predicted boxes (it favours boxes that crowd the
            bins around the keypoints, against the box loss). Defaults to
            False (mmpose's RTMO); it changes training only.
        init_cfg (dict, optional): Initialisation config. Defaults to None
            (PyTorch's defaults, as in mmpose).
    """

    def __init__(self,
                 in_channels: int,
                 num_keypoints: int,
                 feat_channels: int = 128,
                 num_bins: Sequence[int] = (192, 256),
                 spe_channels: int = 128,
                 spe_temperature: float = 300.0,
                 gau_cfg: OptConfigType = dict(
                     s=128,
                     expansion_factor=2,
                     dropout_rate=0.0,
                     drop_path=0.0,
                     act_fn='SiLU',
                     pos_enc='add'),
                 loss_mle: OptConfigType = dict(
                     type='MLECCLoss', use_target_weight=True),
                 detach_bins: bool = False,
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg=init_cfg)
        if len(num_bins) != 2:
            raise ValueError('DCC: `num_bins` must be (num_x_bins, '
                             f'num_y_bins), got {num_bins}')
        self.in_channels = in_channels
        self.num_keypoints = num_keypoints
        self.feat_channels = feat_channels
        self.detach_bins = detach_bins

        # instance feature -> K keypoint features; BN is folded for deploy
        self.pose_to_kpts = nn.Sequential(
            nn.Linear(in_channels, feat_channels * num_keypoints),
            nn.BatchNorm1d(feat_channels * num_keypoints))
        self.gau, self.pos_enc = None, None
        if gau_cfg is not None:
            self.gau = GAUEncoder(
                in_token_dims=feat_channels,
                out_token_dims=feat_channels,
                **gau_cfg)
            if gau_cfg.get('pos_enc', 'none') in ('add', 'rope'):
                self.pos_enc = nn.Parameter(
                    torch.randn(num_keypoints, gau_cfg['s']))

        # bin position -> bin feature
        self.spe = SinePositionalEncoding(
            out_channels=spe_channels, temperature=spe_temperature)
        self.x_fc = nn.Linear(spe_channels, feat_channels)
        self.y_fc = nn.Linear(spe_channels, feat_channels)
        # bins over a unit box centred at 0; `bin_positions` scales them
        self.register_buffer('x_bins', torch.linspace(-0.5, 0.5, num_bins[0]))
        self.register_buffer('y_bins', torch.linspace(-0.5, 0.5, num_bins[1]))

        # instance feature -> per-keypoint sigma = s * sigmoid(.), s init 0.1
        self.sigma_fc = nn.Sequential(
            nn.Linear(in_channels, num_keypoints), nn.Sigmoid(), Scale(0.1))

        self.loss_mle = None if loss_mle is None else MODELS.build(loss_mle)

    def bin_positions(self, bbox_cs: Tensor) -> Distributions:
        """Spread the bins over boxes: ``base * size + centre``.

        Args:
            bbox_cs (Tensor): Boxes as (cx, cy, w, h), shape [..., 4].

        Returns:
            tuple[Tensor, Tensor]: Bin positions along x [..., Bx] and
            along y [..., By], without a gradient to ``bbox_cs`` where
            ``detach_bins``.
        """
        if self.detach_bins:
            bbox_cs = bbox_cs.detach()
        centre, size = bbox_cs.split(2, dim=-1)
        return (self.x_bins * size[..., 0:1] + centre[..., 0:1],
                self.y_bins * size[..., 1:2] + centre[..., 1:2])

    def forward(self, feats: Tensor, bbox_cs: Tensor,
                grids: Tensor) -> Distributions:
        """Predict the 1-D distributions of the keypoints over the bins.

        Args:
            feats (Tensor): Instance features, shape [..., C].
            bbox_cs (Tensor): Padded boxes (cx, cy, w, h), shape [..., 4].
            grids (Tensor): Points (x, y) of the predicting locations,
                shape [..., 2].

        Returns:
            tuple[Tensor, Tensor]: Softmax probabilities along x
            [..., K, Bx] and along y [..., K, By].
        """
        self._check_inputs(feats, bbox_cs, grids)
        centre, size = bbox_cs.split(2, dim=-1)
        # bins are encoded relative to the predicting location
        bin_pos = self.bin_positions(torch.cat((centre - grids, size), -1))
        kpt_feats = self._keypoint_feats(feats)
        probs = []
        for pos, fc in zip(bin_pos, (self.x_fc, self.y_fc)):
            bin_feats = fc(self.spe(position=pos))  # [..., B, feat_channels]
            logits = torch.matmul(kpt_feats, bin_feats.transpose(-1, -2))
            probs.append(logits.clamp(min=-5e4, max=5e4).softmax(dim=-1))
        return tuple(probs)

    def decode(self, probs: Distributions, bbox_cs: Tensor) -> Tensor:
        """Keypoints as the expected bin positions (soft-argmax).

        Args:
            probs (tuple[Tensor, Tensor]): Distributions along x
                [..., K, Bx] and y [..., K, By].
            bbox_cs (Tensor): The boxes they were predicted over, [..., 4].

        Returns:
            Tensor: Keypoints (x, y) in pixels, shape [..., K, 2].
        """
        coords = [(p * pos.unsqueeze(-2)).sum(dim=-1)
                  for p, pos in zip(probs, self.bin_positions(bbox_cs))]
        return torch.stack(coords, dim=-1)

    def forward_train(self, feats: Tensor, bbox_cs: Tensor,
                      grids: Tensor) -> Tuple[Tensor, Distributions, Tensor]:
        """Everything the MLECC loss needs.

        Args: as in :meth:`forward`.

        Returns:
            tuple: Keypoints [..., K, 2], the distributions (x [..., K, Bx],
            y [..., K, By]) and the sigmas [..., K].
        """
        probs = self(feats, bbox_cs, grids)
        return self.decode(probs, bbox_cs), probs, self.sigma_fc(feats)

    @torch.no_grad()
    def forward_test(self, feats: Tensor, bbox_cs: Tensor,
                     grids: Tensor) -> Tensor:
        """Keypoints [..., K, 2] in pixels. Args: as in :meth:`forward`."""
        return self.decode(self(feats, bbox_cs, grids), bbox_cs)

    def generate_target_heatmap(self, kpt_targets: Tensor, bbox_cs: Tensor,
                                sigmas: Tensor,
                                areas: Tensor) -> Distributions:
        """Laplace likelihood of each bin given the GT coordinate.

        ``t(b) = exp(-|x* - pos(b)| / (2 sqrt(area) sigma)) / sigma``, with
        ``sqrt(area) >= 1`` and ``sigma >= 1e-3``. Not normalised: with the
        ``1 / sigma`` factor it is a density, so the MLECC loss can be
        negative.

        Args:
            kpt_targets (Tensor): GT keypoints, shape [..., K, 2].
            bbox_cs (Tensor): Boxes the bins are spread over, [..., 4].
            sigmas (Tensor): Predicted sigmas, shape [..., K].
            areas (Tensor): GT instance areas, shape [...].

        Returns:
            tuple[Tensor, Tensor]: Targets along x [..., K, Bx] and y
            [..., K, By].
        """
        root_areas = areas.sqrt().clamp(min=1)[..., None, None]
        sigmas = sigmas.clamp(min=1e-3).unsqueeze(-1)
        targets = []
        for axis, pos in enumerate(self.bin_positions(bbox_cs)):
            dist = (kpt_targets[..., axis:axis + 1] - pos.unsqueeze(-2)).abs()
            targets.append(torch.exp(-dist / root_areas / sigmas / 2) / sigmas)
        return tuple(targets)

    def loss(self, probs: Distributions, sigmas: Tensor, bbox_cs: Tensor,
             kpt_targets: Tensor, kpt_weights: Tensor,
             areas: Tensor) -> Tensor:
        """MLECC loss of predictions from :meth:`forward_train`.

        Args:
            probs (tuple[Tensor, Tensor]): Predicted distributions.
            sigmas (Tensor): Predicted sigmas, shape [N, K].
            bbox_cs (Tensor): Boxes the bins were spread over, [N, 4].
            kpt_targets (Tensor): GT keypoints, shape [N, K, 2].
            kpt_weights (Tensor): GT visibility (or weights), shape [N, K].
            areas (Tensor): GT instance areas, shape [N].

        Returns:
            Tensor: The loss as ``loss_mle`` reduces it (per instance, [N],
            for MLECCLoss's default 'mean').
        """
        if self.loss_mle is None:
            raise RuntimeError('DCC.loss: this DCC was built with '
                               '`loss_mle=None`; give it a loss config')
        targets = self.generate_target_heatmap(kpt_targets, bbox_cs, sigmas,
                                               areas)
        return self.loss_mle(probs, targets, kpt_weights)

    def switch_to_deploy(self, test_cfg: OptConfigType = None) -> None:
        """Precompute what inference does not need to recompute.

        - The BatchNorm1d of ``pose_to_kpts`` is folded into its linear
          layer: a plain ``nn.Linear`` (keys ``pose_to_kpts.weight`` /
          ``.bias``, as in mmpose's deployed DCC) that accepts any leading
          dimensions, so an exported graph needs no reshaping for BN.
        - The GAU's query/key affine maps and the additive positional
          encoding are folded into one per-keypoint affine map:
          ``q = base * gamma_q + (beta_q + pos_enc)``, likewise for ``k``
          (``deploy_qk_gamma`` [2, 1, s] and ``deploy_qk_beta`` [2, K, s],
          non-persistent buffers: the state dict keeps mmpose's keys). A GAU
          with rotary encoding (``pos_enc='rope'``) is left as it is.

        Eval-only, as mmpose's; idempotent. ``test_cfg`` is unused (pose
        estimators pass it to every sub-module).
        """
        if isinstance(self.pose_to_kpts, nn.Sequential):
            fc, bn = self.pose_to_kpts
            gain = bn.weight / (bn.running_var + bn.eps).sqrt()
            folded = nn.Linear(fc.in_features, fc.out_features).to(fc.weight)
            folded.weight.data = (fc.weight * gain.unsqueeze(1)).detach()
            folded.bias.data = ((fc.bias - bn.running_mean) * gain +
                                bn.bias).detach()
            self.pose_to_kpts = folded
        if self.gau is not None and self.gau.pos_enc in ('add', 'none'):
            beta = self.gau.beta.unsqueeze(1)  # [2, 1, s]
            if self.gau.pos_enc == 'add':
                beta = beta + self.pos_enc  # [2, K, s]
            self.register_buffer(
                'deploy_qk_gamma',
                self.gau.gamma.unsqueeze(1).detach().clone(),
                persistent=False)
            self.register_buffer(
                'deploy_qk_beta', beta.detach().clone(), persistent=False)

    def _folded_gau(self, x: Tensor) -> Tensor:
        """The GAU in eval mode with the folded query/key maps of
        :meth:`switch_to_deploy`: keypoint features [..., K, F] in and
        out."""
        gau = self.gau
        uv = gau.act_fn(gau.uv(gau.ln(x)))
        u, v, base = torch.split(uv, [gau.e, gau.e, gau.s], dim=-1)
        q = base * self.deploy_qk_gamma[0] + self.deploy_qk_beta[0]
        k = base * self.deploy_qk_gamma[1] + self.deploy_qk_beta[1]
        kernel = F.relu(torch.matmul(q, k.transpose(-1, -2)) /
                        gau.sqrt_s).square()
        out = gau.o(u * torch.matmul(kernel, v))
        return gau.res_scale(x) + out if gau.shortcut else out

    def _keypoint_feats(self, feats: Tensor) -> Tensor:
        """Instance features [..., C] -> keypoint features [..., K, F]."""
        flat = feats.reshape(-1, self.in_channels)
        if self.training and len(flat) == 1 and isinstance(
                self.pose_to_kpts, nn.Sequential):
            # BatchNorm1d has no batch statistics of a single instance (a
            # batch with one positive): normalise with the running ones
            fc, bn = self.pose_to_kpts
            kpt_feats = F.batch_norm(
                fc(flat), bn.running_mean, bn.running_var, bn.weight, bn.bias,
                False, 0.0, bn.eps)
        else:
            kpt_feats = self.pose_to_kpts(flat)
        kpt_feats = kpt_feats.view(*feats.shape[:-1], self.num_keypoints,
                                   self.feat_channels)
        if hasattr(self, 'deploy_qk_gamma'):
            kpt_feats = self._folded_gau(kpt_feats)
        elif self.gau is not None:
            kpt_feats = self.gau(kpt_feats, pos_enc=self.pos_enc)
        return kpt_feats

    def _check_inputs(self, feats: Tensor, bbox_cs: Tensor,
                      grids: Tensor) -> None:
        if feats.size(-1) != self.in_channels:
            raise ValueError(f'DCC: `feats` must have {self.in_channels} '
                             f'channels in the last dim, got {feats.shape}')
        if bbox_cs.size(-1) != 4 or grids.size(-1) != 2:
            raise ValueError('DCC: `bbox_cs` must be [..., 4] (cx, cy, w, h) '
                             'and `grids` [..., 2] (x, y), got '
                             f'{tuple(bbox_cs.shape)} and '
                             f'{tuple(grids.shape)}')
