"""Runner-side pieces: safe checkpoint loading, hooks, launch helpers.

Importing them changes nothing; :func:`directpose.install` installs the
safe loader and the atomic writes."""
from .atomic_writes import AtomicLocalBackend, install_atomic_writes
from .autocast_optim_wrapper import AutocastOptimWrapper
from .cfg_options import (CfgOptionsAction, add_cfg_options_argument,
                          check_cfg_options)
from .checkpoint import (CorruptCheckpointError, UnsafeCheckpointError,
                         load_weights_only, register_safe_loader)
from .checkpoint_fit import (CheckpointMismatchError, check_checkpoint_fits,
                             compare_state_dicts)
from .checkpoint_rotation import (DeferredRemovalBackend,
                                  install_checkpoint_rotation)
from .config_checks import ConfigError, check_config
from .hooks import (CpuThreadsHook, EpochSeedHook, NonFiniteLossHook,
                    SafeCheckpointHook)
from .launch import exit_if_distributed, setup_cpu_distributed
from .runner import build_runner, load_config

__all__ = [
    'add_cfg_options_argument', 'AtomicLocalBackend', 'AutocastOptimWrapper',
    'CfgOptionsAction', 'CpuThreadsHook', 'check_cfg_options',
    'CheckpointMismatchError', 'check_checkpoint_fits', 'compare_state_dicts',
    'ConfigError', 'CorruptCheckpointError', 'check_config',
    'DeferredRemovalBackend', 'EpochSeedHook', 'exit_if_distributed',
    'install_checkpoint_rotation', 'NonFiniteLossHook',
    'install_atomic_writes', 'SafeCheckpointHook', 'UnsafeCheckpointError',
    'build_runner', 'load_config', 'load_weights_only', 'register_safe_loader',
    'setup_cpu_distributed'
]
