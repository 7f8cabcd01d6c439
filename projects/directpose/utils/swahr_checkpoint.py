"""Official SWAHR / HigherHRNet checkpoints -> this project's state dict.

The official code (greatlog/SWAHR-HumanPose, on HigherHRNet's
``PoseHigherResolutionNet``) saves a plain state dict. Its HRNet keys
(``conv1``, ``bn1``, ``layer1``, ``transition1``, ``stage2`` ...) are
mmpose's ``HRNet`` keys; the head differs:

=====================================  =======================================
official                               ours (``AEHigherResolutionHead``)
=====================================  =======================================
``final_layers.0`` (K heatmaps+tags)   ``head.final_layer``
``final_layers.1`` (K heatmaps)        ``head.higher_final_layer``
``deconv_layers.0.0.{0,1}`` (deconv,   ``head.higher_layers.0.{0,1}``
BN)
``deconv_layers.0.<i>.0.*`` (blocks)   ``head.higher_layers.<i>.*``
``conv_scale_layers.<s>.0`` (1x1)      ``head.scale_branches.<s>.reduce.conv``
``conv_scale_layers.<s>.1`` (BN)       ``head.scale_branches.<s>.reduce.bn``
``conv_scale_layers.<s>.3`` (9x9 dw)   ``head.scale_branches.<s>.depthwise``
=====================================  =======================================

The official 1x1 conv of the scale branch has a bias and is followed by BN;
ours has none (mmcv's ``ConvModule``), so the bias is folded into the BN's
running mean (exact at test time; BN removes it in training anyway).
HigherHRNet's own checkpoints have the same layout without
``conv_scale_layers``.
"""
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Tuple

import torch

#: (official key pattern, our key template), first match wins
KEY_RULES = (
    (r'^(conv[12]|bn[12]|layer1|transition\d|stage\d)\.(.+)$',
     r'backbone.\1.\2'),
    (r'^final_layers\.0\.(.+)$', r'head.final_layer.\1'),
    (r'^final_layers\.1\.(.+)$', r'head.higher_final_layer.\1'),
    (r'^deconv_layers\.0\.0\.(.+)$', r'head.higher_layers.0.\1'),
    (r'^deconv_layers\.0\.(\d+)\.0\.(.+)$', r'head.higher_layers.\1.\2'),
    (r'^conv_scale_layers\.(\d+)\.0\.(.+)$',
     r'head.scale_branches.\1.reduce.conv.\2'),
    (r'^conv_scale_layers\.(\d+)\.1\.(.+)$',
     r'head.scale_branches.\1.reduce.bn.\2'),
    (r'^conv_scale_layers\.(\d+)\.3\.(.+)$',
     r'head.scale_branches.\1.depthwise.\2'),
)


@dataclass
class ConversionReport:
    """What :func:`convert_swahr_state_dict` did.

    Attributes:
        converted (int): Tensors placed into our state dict.
        unused (list[str]): Official keys with no counterpart in our model.
        missing (list[str]): Our keys that no official key filled (they keep
            the values of the freshly built model).
        defaulted (list[str]): ``num_batches_tracked`` buffers absent from
            the checkpoint (older PyTorch); harmless, kept at their default.
        folded (list[str]): Conv biases folded into the next BN.
    """
    converted: int = 0
    unused: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)
    defaulted: List[str] = field(default_factory=list)
    folded: List[str] = field(default_factory=list)

    def format(self) -> str:
        lines = [f'converted {self.converted} tensors']
        for title, keys in (('unused official keys', self.unused),
                            ('missing (left as built)', self.missing),
                            ('num_batches_tracked kept at default',
                             self.defaulted), ('folded into BN running_mean',
                                               self.folded)):
            if keys:
                lines.append(f'{title} ({len(keys)}):')
                lines.extend(f'  {key}' for key in keys)
        return '\n'.join(lines)


def official_state_dict(checkpoint: Mapping) -> Dict[str, torch.Tensor]:
    """The state dict inside an official checkpoint: the object itself, or
    its ``state_dict`` / ``model`` entry; a ``module.`` prefix (saved from
    ``DataParallel``) is dropped."""
    for key in ('state_dict', 'model'):
        if isinstance(checkpoint.get(key), Mapping):
            checkpoint = checkpoint[key]
            break
    state = OrderedDict()
    for key, value in checkpoint.items():
        if not isinstance(value, torch.Tensor):
            raise TypeError(f'{key}: expected a tensor, got '
                            f'{type(value).__name__}; is this a SWAHR or '
                            'HigherHRNet checkpoint?')
        state[key[len('module.'):] if key.startswith('module.') else key] = \
            value
    return state


def map_key(key: str) -> Optional[str]:
    """Our key for an official key, or ``None``."""
    for pattern, template in KEY_RULES:
        if re.match(pattern, key):
            return re.sub(pattern, template, key)
    return None


def convert_swahr_state_dict(
    official: Mapping[str, torch.Tensor],
    target: Mapping[str, torch.Tensor],
) -> Tuple['OrderedDict[str, torch.Tensor]', ConversionReport]:
    """Map an official state dict onto ours.

    Args:
        official (Mapping): The official state dict
            (:func:`official_state_dict`).
        target (Mapping): Our model's ``state_dict()``: its keys, shapes and
            dtypes, and the values of keys the checkpoint lacks.

    Returns:
        tuple: our full state dict and a :class:`ConversionReport`.

    Raises:
        ValueError: A tensor's shape differs from ours (another width or
            number of keypoints than the config), listing each one.
    """
    report = ConversionReport()
    converted = OrderedDict()
    biases = {}
    for key, value in official.items():
        ours = map_key(key)
        if ours is not None and ours not in target and ours.endswith(
                '.reduce.conv.bias'):
            biases[ours] = (key, value)
        elif ours is None or ours not in target:
            report.unused.append(key)
        else:
            converted[ours] = (key, value)

    mismatches = [
        f'{src}: {tuple(value.shape)} -> {ours}: {tuple(target[ours].shape)}'
        for ours, (src, value) in converted.items()
        if value.shape != target[ours].shape
    ]
    if mismatches:
        raise ValueError(
            'the checkpoint does not fit this config (other width or number '
            'of keypoints?):\n  ' + '\n  '.join(mismatches))

    state = OrderedDict()
    for key, default in target.items():
        if key in converted:
            state[key] = converted[key][1].to(default.dtype).clone()
            report.converted += 1
        elif key.endswith('num_batches_tracked'):
            state[key] = default.clone()
            report.defaulted.append(key)
        else:
            state[key] = default.clone()
            report.missing.append(key)

    for ours, (src, bias) in biases.items():
        mean_key = ours.replace('.conv.bias', '.bn.running_mean')
        if mean_key not in converted or bias.shape != state[mean_key].shape:
            report.unused.append(src)
            continue
        state[mean_key] = state[mean_key] - bias.to(state[mean_key].dtype)
        report.folded.append(src)
    return state, report
