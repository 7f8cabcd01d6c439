"""Refuse to test with a checkpoint whose weights do not fit the model.

mmengine loads checkpoints with ``strict=False``: entries the model lacks,
model entries the checkpoint lacks and entries of another shape are only
logged, and the model keeps its initial (random) values for them. Given the
checkpoint of another config, ``tools/test.py`` then exited 0 with the
metrics of a random model. :func:`check_checkpoint_fits` compares a
checkpoint's ``state_dict`` with the model's before it is used.

The rule: the checkpoint does not fit when more than
:data:`MAX_UNFIT_FRACTION` of the model's values (tensor elements of its
``state_dict``, buffers included) are missing from the checkpoint or have
another shape there, or when the checkpoint holds entries the model does not
have amounting to more than that fraction of the model's values. A few
missing or extra buffers (``num_batches_tracked``, a renamed statistic) stay
below it.
"""
import re
import warnings
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import _load_checkpoint

MAX_UNFIT_FRACTION = 0.01
_SHOWN_KEYS = 5


class CheckpointMismatchError(ValueError):
    """A checkpoint's weights do not fit the model (another config's?)."""


@dataclass
class CheckpointFit:
    """How a checkpoint's ``state_dict`` matches a model's.

    Args:
        missing (list[str]): Model entries the checkpoint lacks.
        unexpected (list[str]): Checkpoint entries the model lacks.
        mismatched (list[tuple]): (entry, checkpoint shape, model shape) of
            entries of another shape.
        model_values (int): Elements of the model's ``state_dict``.
        unfit_values (int): Elements of the missing and mismatched entries.
        unexpected_values (int): Elements of the unexpected entries.
    """
    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    mismatched: List[Tuple[str, tuple, tuple]] = field(default_factory=list)
    model_values: int = 0
    unfit_values: int = 0
    unexpected_values: int = 0

    @property
    def fits(self) -> bool:
        """True unless a fraction above :data:`MAX_UNFIT_FRACTION` of the
        model is missing, mismatched or unexpected."""
        limit = MAX_UNFIT_FRACTION * self.model_values
        return self.unfit_values <= limit and self.unexpected_values <= limit

    def describe(self) -> str:
        """The fractions and the first keys of each kind."""
        total = max(self.model_values, 1)
        parts = [
            f'{100 * self.unfit_values / total:.1f}% of the model\'s '
            f'{self.model_values:,} values are missing from it or have '
            'another shape, and its entries the model does not have hold '
            f'{100 * self.unexpected_values / total:.1f}% as many values '
            f'(limit {100 * MAX_UNFIT_FRACTION:g}% each)'
        ]
        for name, keys in (('missing', self.missing), ('unexpected',
                                                       self.unexpected)):
            if keys:
                parts.append(f'{name} ({len(keys)}): {_first(keys)}')
        if self.mismatched:
            shapes = [
                f'{key} {tuple(ckpt)} in the checkpoint, {tuple(model)} in '
                'the model' for key, ckpt, model in self.mismatched
            ]
            parts.append(f'other shape ({len(shapes)}): {_first(shapes)}')
        return '; '.join(parts)


def compare_state_dicts(model: nn.Module,
                        state_dict: Dict[str, torch.Tensor]) -> CheckpointFit:
    """Match a checkpoint's ``state_dict`` against a model's, keys revised
    as mmengine loads them (a ``module.`` prefix dropped).

    Args:
        model (nn.Module): The model (a wrapped model is unwrapped).
        state_dict (dict): The checkpoint's entries.

    Returns:
        CheckpointFit: The missing, unexpected and mismatched entries.
    """
    own = _unwrap(model).state_dict()
    theirs = {
        re.sub(r'^module\.', '', key): value
        for key, value in state_dict.items() if torch.is_tensor(value)
    }
    fit = CheckpointFit(model_values=sum(v.numel() for v in own.values()))
    for key, value in own.items():
        if key not in theirs:
            fit.missing.append(key)
            fit.unfit_values += value.numel()
        elif theirs[key].shape != value.shape:
            fit.mismatched.append((key, tuple(theirs[key].shape),
                                   tuple(value.shape)))
            fit.unfit_values += value.numel()
    for key, value in theirs.items():
        if key not in own:
            fit.unexpected.append(key)
            fit.unexpected_values += value.numel()
    return fit


def check_checkpoint_fits(model: nn.Module,
                          checkpoint: Union[str, dict],
                          allow_partial_load: bool = False,
                          name: Optional[str] = None) -> dict:
    """Raise unless a checkpoint fits the model (see the module's rule).

    Args:
        model (nn.Module): The model the checkpoint is for.
        checkpoint (str | dict): A checkpoint file (loaded weights-only
            through mmengine's loaders) or a loaded checkpoint.
        allow_partial_load (bool): Warn instead of raising.
        name (str, optional): How to name the checkpoint in messages;
            defaults to ``checkpoint`` when it is a path.

    Returns:
        dict: The loaded checkpoint.

    Raises:
        CheckpointMismatchError: The checkpoint does not fit and
            ``allow_partial_load`` is False.
    """
    if isinstance(checkpoint, str):
        name = name or checkpoint
        checkpoint = _load_checkpoint(checkpoint, map_location='cpu')
    state_dict = checkpoint.get('state_dict', checkpoint)
    fit = compare_state_dicts(model, state_dict)
    if fit.fits:
        return checkpoint
    what = f'checkpoint {name or "(given)"} does not fit the ' \
        f'{type(_unwrap(model)).__name__} model: {fit.describe()}.'
    if not allow_partial_load:
        raise CheckpointMismatchError(
            f'{what} Is it the checkpoint of another config? With '
            '--allow-partial-load the entries that fit are loaded and the '
            'others keep their initial values.')
    warnings.warn(f'{what} Loaded anyway (--allow-partial-load): the '
                  'entries that do not fit keep their initial values.')
    return checkpoint


def _unwrap(model: nn.Module) -> nn.Module:
    return model.module if is_model_wrapper(model) else model


def _first(keys: List[str]) -> str:
    shown = ', '.join(keys[:_SHOWN_KEYS])
    return shown + (', ...' if len(keys) > _SHOWN_KEYS else '')
