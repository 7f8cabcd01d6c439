import random

import numpy as np
import torch
from mmengine.hooks import Hook
from mmpose.registry import HOOKS


def epoch_seed(seed: int, epoch: int) -> int:
    """A 32-bit seed for ``epoch`` of a run seeded with ``seed``."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0])


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Reseed Python, NumPy and PyTorch at the start of every training epoch
    from the run's seed and the epoch.

    mmengine seeds the random generators once, when the Runner is built, so
    the random numbers of an epoch (data augmentation in the main process,
    dropout, the seeds DataLoader workers start from) depend on everything
    drawn before it. A run resumed from the checkpoint of epoch ``e`` would
    then train epoch ``e + 1`` differently from a run that never stopped.
    After this hook an epoch's randomness depends on (seed, epoch) only.

    Resuming then reproduces the uninterrupted run exactly when everything
    else is deterministic too: ``randomness=dict(seed=..., deterministic=
    True)``, and DataLoader workers that do not carry random state across
    epochs (``num_workers=0`` or ``persistent_workers=False``; mmengine seeds
    new workers from (seed, rank, worker id)).
    """

    priority = 'VERY_HIGH'  # before hooks that could draw random numbers

    def before_train_epoch(self, runner) -> None:
        seed = epoch_seed(runner.seed, runner.epoch)
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)  # all devices
