from .epoch_seed_hook import EpochSeedHook
from .non_finite_loss_hook import NonFiniteLossHook
from .safe_checkpoint_hook import SafeCheckpointHook

__all__ = ['EpochSeedHook', 'NonFiniteLossHook', 'SafeCheckpointHook']
