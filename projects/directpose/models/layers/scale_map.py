"""SWAHR's scale-map branch: one scale per keypoint and pixel."""
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule, constant_init
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType
from torch import Tensor


@MODELS.register_module()
class ScaleMapBranch(BaseModule):
    """Predict SWAHR's scale map :math:`S` (B, K, H, W) from features.

    Conv1x1 (C -> K) + BN + ReLU, then a depthwise ``kernel_size`` conv
    (K -> K) with no activation, so the scale can be negative. The depthwise
    conv starts at zero (weights and bias), so training starts from
    :math:`S = 0`, i.e. from the plain Gaussian target. ``init_weights``
    re-applies the zeros after any parent initialiser has run.

    Args:
        in_channels (int): Channels of the input features.
        num_keypoints (int): K, the output channels.
        kernel_size (int): Kernel of the depthwise conv. Defaults to 9, the
            official value.
        norm_cfg (dict): Norm layer of the 1x1 conv. Defaults to BN.
        init_cfg (dict, optional): Initialisation of the 1x1 conv.
    """

    def __init__(self,
                 in_channels: int,
                 num_keypoints: int,
                 kernel_size: int = 9,
                 norm_cfg: ConfigType = dict(type='BN'),
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg)
        self.reduce = ConvModule(
            in_channels,
            num_keypoints,
            kernel_size=1,
            norm_cfg=norm_cfg,
            act_cfg=dict(type='ReLU'))
        self.depthwise = nn.Conv2d(
            num_keypoints,
            num_keypoints,
            kernel_size,
            padding=kernel_size // 2,
            groups=num_keypoints)
        constant_init(self.depthwise, 0)

    def init_weights(self) -> None:
        super().init_weights()
        constant_init(self.depthwise, 0)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, H, W) features -> (B, K, H, W) scale map."""
        return self.depthwise(self.reduce(x))
