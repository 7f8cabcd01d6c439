"""Runner-side pieces: safe checkpoint loading, hooks, launch helpers."""
from .checkpoint import (UnsafeCheckpointError, load_weights_only,
                         register_safe_loader)
from .hooks import SafeCheckpointHook
from .launch import setup_cpu_distributed
from .runner import build_runner, load_config

register_safe_loader()

__all__ = [
    'SafeCheckpointHook', 'UnsafeCheckpointError', 'build_runner',
    'load_config', 'load_weights_only', 'register_safe_loader',
    'setup_cpu_distributed'
]
