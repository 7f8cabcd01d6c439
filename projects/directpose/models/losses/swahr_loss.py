"""SWAHR: scale- and weight-adaptive heatmap regression (Luo et al., CVPR
2021, "Rethinking the Heatmap Regression for Bottom-up Human Pose
Estimation"), as a heatmap loss that any heatmap head can use."""
from typing import Optional

import torch
from mmpose.models.losses import KeypointMSELoss
from mmpose.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class AdaptiveHeatmapLoss(KeypointMSELoss):
    r"""Masked heatmap MSE with SWAHR's scale-adaptive target (SAHR) and
    weight-adaptive weights (WAHR), each switchable on its own.

    With the prediction :math:`P`, the Gaussian target :math:`H` of a fixed
    :math:`\sigma_0`, the predicted scale map :math:`S` and the valid-pixel
    mask :math:`M` (all of shape (B, K, H, W) after broadcasting):

    - SAHR masks the scale to the Gaussian support,
      :math:`\hat S = S \cdot 1[H > 0]`, and regresses the second-order
      expansion of :math:`H^{1+\hat S}`:
      :math:`\tilde H = H + H \hat S \ln H + \frac12 H (\hat S \ln H)^2`
      (:math:`\ln H := 0` where :math:`H = 0`). As :math:`H^{1+\hat S}` is a
      Gaussian of :math:`\sigma_0 / \sqrt{1 + \hat S}`, a positive scale
      sharpens the target and a negative one widens it. The regulariser
      :math:`\mathrm{mean}(M \hat S^2)` pulls the scale back to 0.
    - WAHR weighs every pixel by
      :math:`W = |1 - P| H^\gamma + |P| (1 - H^\gamma)`, so that positives
      count by how far the prediction is below 1 and background by how far
      it is above 0. :math:`H` is the plain target and :math:`P` is not
      detached, as in the official code.

    The loss is :math:`\mathrm{mean}(M W (P - \tilde H)^2) +
    \lambda_s \mathrm{mean}(M \hat S^2)`, times ``loss_weight``. With both
    switches off it is :class:`KeypointMSELoss`, whose keypoint-wise target
    weights, ``skip_empty_channel`` and mask handling it inherits.

    Args:
        use_sahr (bool): Regress the scale-adaptive target; then ``forward``
            needs the scale map. Defaults to ``True``.
        use_wahr (bool): Weigh the squared error by :math:`W`. Defaults to
            ``True``.
        gamma (float): The exponent :math:`\gamma` of WAHR. Defaults to
            0.01, the official value.
        scale_loss_weight (float): :math:`\lambda_s`. Defaults to 1.0.
        use_target_weight (bool): Kept for :class:`KeypointMSELoss`
            compatibility. Defaults to ``False``.
        skip_empty_channel (bool): Ignore channels whose target is all zero.
            Defaults to ``False``.
        loss_weight (float): Weight of the whole loss. Defaults to 1.0.
    """

    def __init__(self,
                 use_sahr: bool = True,
                 use_wahr: bool = True,
                 gamma: float = 0.01,
                 scale_loss_weight: float = 1.0,
                 use_target_weight: bool = False,
                 skip_empty_channel: bool = False,
                 loss_weight: float = 1.0):
        super().__init__(
            use_target_weight=use_target_weight,
            skip_empty_channel=skip_empty_channel,
            loss_weight=loss_weight)
        self.use_sahr = use_sahr
        self.use_wahr = use_wahr
        self.gamma = gamma
        self.scale_loss_weight = scale_loss_weight

    def forward(self,
                output: Tensor,
                target: Tensor,
                target_weights: Optional[Tensor] = None,
                mask: Optional[Tensor] = None,
                scale: Optional[Tensor] = None) -> Tensor:
        """Compute the loss.

        Args:
            output (Tensor): Predicted heatmaps :math:`P`, (B, K, H, W).
            target (Tensor): Gaussian target heatmaps :math:`H`,
                (B, K, H, W).
            target_weights (Tensor, optional): Keypoint-wise (B, K) or
                pixel-wise (B, K, H, W) weights.
            mask (Tensor, optional): Valid pixels :math:`M`, (B, 1, H, W) or
                (B, K, H, W).
            scale (Tensor, optional): Predicted scale map :math:`S`,
                (B, K, H, W); required when ``use_sahr=True``.

        Returns:
            Tensor: The scalar loss.
        """
        if self.use_sahr != (scale is not None):
            raise ValueError(
                f'{self.__class__.__name__}(use_sahr={self.use_sahr}) '
                f'{"needs" if self.use_sahr else "got"} a scale map: '
                'give the head a scale branch with use_sahr=True, and none '
                'without it')
        if scale is not None and scale.shape != target.shape:
            raise ValueError(f'scale map of shape {tuple(scale.shape)} does '
                             f'not match the target {tuple(target.shape)}')
        _mask = self._get_mask(target, target_weights, mask)
        _mask = 1. if _mask is None else _mask

        weight = self.weight(output, target)  # of the plain target
        if self.use_sahr:
            scale = scale * (target > 0)
            target = self.scaled_target(target, scale)
        loss = (_mask * weight * (output - target)**2).mean()
        if self.use_sahr:
            loss = loss + self.scale_loss_weight * (_mask * scale**2).mean()
        return loss * self.loss_weight

    @staticmethod
    def scaled_target(target: Tensor, scale: Tensor) -> Tensor:
        """The SAHR target :math:`\\tilde H`, the second-order expansion of
        ``target ** (1 + scale)`` (``scale`` already masked)."""
        log_target = torch.log(
            torch.where(target > 0, target, torch.ones_like(target)))
        scaled_log = scale * log_target
        return target * (1 + scaled_log + 0.5 * scaled_log**2)

    def weight(self, output: Tensor, target: Tensor) -> Tensor:
        """The WAHR weight :math:`W`, or 1 without WAHR."""
        if not self.use_wahr:
            return output.new_ones(())
        target_pow = target.pow(self.gamma)
        return ((1 - output).abs() * target_pow + output.abs() *
                (1 - target_pow))
