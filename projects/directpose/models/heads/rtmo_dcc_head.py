"""RTMO with its Dynamic Coordinate Classifier taken from the registry."""
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
