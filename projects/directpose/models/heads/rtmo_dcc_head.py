"""RTMO with its Dynamic Coordinate Classifier taken from the registry."""
import torch
from mmpose.models.heads import RTMOHead
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType


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

    Args:
        num_keypoints (int): Number of keypoints K, passed on to the DCC.
        dcc_cfg (dict): Config of the registered coordinate classifier.
        **kwargs: The other arguments of :class:`RTMOHead`.
    """

    def __init__(self, num_keypoints: int, dcc_cfg: ConfigType, **kwargs):
        super().__init__(num_keypoints=num_keypoints, dcc_cfg=None, **kwargs)
        self.dcc = MODELS.build(
            dict(dcc_cfg, num_keypoints=num_keypoints, loss_mle=None))

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
