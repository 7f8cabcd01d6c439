from .cpu_threads_hook import CpuThreadsHook
from .epoch_seed_hook import EpochSeedHook
from .non_finite_loss_hook import NonFiniteLossHook
from .safe_checkpoint_hook import SafeCheckpointHook

__all__ = [
    'CpuThreadsHook', 'EpochSeedHook', 'NonFiniteLossHook',
    'SafeCheckpointHook'
]
