"""An epoch's random numbers depend on (seed, epoch), not on what ran
before."""
import random
from types import SimpleNamespace

import numpy as np
import torch

from directpose.engine import EpochSeedHook


def _draw():
    return (random.random(), np.random.rand(), torch.rand(1).item())


def _epoch_draws(seed, epoch, drawn_before):
    for _ in range(drawn_before):  # history: a previous epoch, a model init
        _draw()
    EpochSeedHook().before_train_epoch(SimpleNamespace(seed=seed, epoch=epoch))
    return _draw()


def test_same_seed_and_epoch_give_the_same_numbers_after_any_history():
    assert _epoch_draws(
        0, 2, drawn_before=0) == _epoch_draws(
            0, 2, drawn_before=7)


def test_epochs_and_seeds_get_different_numbers():
    draws = {_epoch_draws(s, e, 0) for s in (0, 1) for e in (0, 1, 2)}
    assert len(draws) == 6
