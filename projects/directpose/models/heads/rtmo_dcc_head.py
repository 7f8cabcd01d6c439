"""RTMO with its Dynamic Coordinate Classifier taken from the registry."""
import math
from typing import Union

import torch
from mmpose.models.heads import RTMOHead
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType
from torch import Tensor

#: The largest magnitude of a predicted log box size (in strides), as mmdet's
#: ``DeltaXYWHBBoxCoder`` clamps its deltas (``wh_ratio_clip=16 / 1000``):
#: ``exp`` of it is finite in fp16 and fp32, and a box at most 62.5 strides.
MAX_LOG_BOX_SIZE = math.log(1000 / 16)


@MODELS.register_module()
class RTMODCCHead(RTMOHead):
    """mmpose's :class:`RTMOHead` whose ``dcc`` is built from ``dcc_cfg``.

    mmpose's head instantiates its own unregistered DCC class; this one
    builds any registered module, e.g. ``dcc_cfg=dict(type='DCC', ...)``
    (``directpose.models.layers.DCC``), so the state dicts of the two heads
    are interchangeable. Training, assignment and prediction are
    RTMOHead's: it calls ``dcc.forward_train``, ``dcc.forward_test`` and
    ``dcc.generate_target_heatmap``, and applies its own ``loss_mle`` (which
    ``RTMOModeSwitchHook`` reweights), so the DCC is built without one.

    Unlike mmpose's head, the predicted log box sizes are clamped to
    +-``MAX_LOG_BOX_SIZE`` before ``exp`` (as mmdet's box coders do): with
    untrained or diverging weights mmpose's boxes overflow to inf and the
    DCC then spreads its bins over an infinite box (NaN keypoints).

    Args:
        num_keypoints (int): Number of keypoints K, passed on to the DCC.
        dcc_cfg (dict): Config of the registered coordinate classifier.
        **kwargs: The other arguments of :class:`RTMOHead`.
    """

    def __init__(self, num_keypoints: int, dcc_cfg: ConfigType, **kwargs):
        super().__init__(num_keypoints=num_keypoints, dcc_cfg=None, **kwargs)
        self.dcc = MODELS.build(
            dict(dcc_cfg, num_keypoints=num_keypoints, loss_mle=None))

    def decode_bbox(self, pred_bboxes: Tensor, priors: Tensor,
                    stride: Union[Tensor, int]) -> Tensor:
        """:meth:`RTMOHead.decode_bbox` of (dx, dy, log w, log h) (B, N, 4)
        with the log sizes clamped: (B, N, 4) boxes (x1, y1, x2, y2)."""
        log_wh = pred_bboxes[..., 2:].clamp(-MAX_LOG_BOX_SIZE,
                                            MAX_LOG_BOX_SIZE)
        return super().decode_bbox(
            torch.cat([pred_bboxes[..., :2], log_wh], -1), priors, stride)

    def loss(self, feats, batch_data_samples, train_cfg: ConfigType = {}):
        """RTMOHead's losses, also for a batch without positives.

        Then mmpose's head logs ``num_samples`` as a float, which mmengine's
        ``parse_losses`` refuses, and returns ``loss_cls`` alone, which
        leaves most parameters without gradients (an error under DDP). Here
        ``num_samples`` is a tensor and the missing terms are zeros that
        reach every parameter.
        """
        losses = super().loss(feats, batch_data_samples, train_cfg)
        losses['num_samples'] = torch.as_tensor(
            losses['num_samples'], dtype=torch.float).to(losses['loss_cls'])
        if 'loss_oks' not in losses:  # no positive in the batch
            zero = sum(p.sum() for p in self.parameters()) * 0
            names = ['loss_bbox', 'loss_vis', 'loss_oks']
            if self.use_aux_loss and hasattr(self, 'loss_bbox_aux'):
                names.append('loss_bbox_aux')
            if hasattr(self, 'loss_mle') and self.loss_mle.loss_weight > 0:
                names.append('loss_mle')
            losses.update({name: zero for name in names})
        return losses
