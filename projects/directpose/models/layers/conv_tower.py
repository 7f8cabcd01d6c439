"""The stacked 3x3 convolutions of FCOS-style heads."""
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmpose.utils.typing import ConfigType


def build_conv_tower(in_channels: int,
                     out_channels: int,
                     num_convs: int,
                     norm_cfg: ConfigType,
                     groups: int = 1) -> nn.Sequential:
    """``num_convs`` 3x3 conv + norm + ReLU blocks, (B, in_channels, H, W) ->
    (B, out_channels, H, W).

    With ``groups`` > 1 every block but the first is a grouped convolution
    (``groups`` separate feature maps of ``out_channels // groups``
    channels, as KPAlign's separate features) and a group norm gets
    ``out_channels // 4`` groups, so that no norm group mixes two feature
    maps.
    """
    norm_cfg = dict(norm_cfg)
    if groups > 1 and norm_cfg.get('type') == 'GN':
        norm_cfg['num_groups'] = out_channels // 4
    return nn.Sequential(*[
        ConvModule(
            in_channels if i == 0 else out_channels,
            out_channels,
            3,
            padding=1,
            groups=1 if i == 0 else groups,
            norm_cfg=norm_cfg) for i in range(num_convs)
    ])
