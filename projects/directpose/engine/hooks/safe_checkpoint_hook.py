from typing import Any

import torch
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer
from mmpose.registry import HOOKS

_TAG = '__history_buffer__'


def _encode(obj: Any) -> Any:
    """Replace each :class:`HistoryBuffer` in nested dicts with tensors."""
    if isinstance(obj, HistoryBuffer):
        log, count = obj.data
        return {
            _TAG: True,
            'max_length': obj.max_length,
            'log': torch.from_numpy(log.copy()),
            'count': torch.from_numpy(count.copy()),
        }
    if isinstance(obj, dict):
        return type(obj)((k, _encode(v)) for k, v in obj.items())
    return obj


def _decode(obj: Any) -> Any:
    """Inverse of :func:`_encode`."""
    if isinstance(obj, dict) and obj.get(_TAG) is True:
        return HistoryBuffer(obj['log'].numpy(), obj['count'].numpy(),
                             obj['max_length'])
    if isinstance(obj, dict):
        return type(obj)((k, _decode(v)) for k, v in obj.items())
    return obj


@HOOKS.register_module()
class SafeCheckpointHook(Hook):
    """Keep run checkpoints loadable with ``torch.load(weights_only=True)``.

    mmengine saves the message hub's :class:`HistoryBuffer` objects as
    pickled Python objects, which ``weights_only`` loading refuses (allowing
    them would also allow ``builtins.getattr``, i.e. arbitrary code). This hook
    stores them as tensors when a checkpoint is saved and rebuilds them when
    one is loaded, so ``--resume`` works without trusting the file.
    """

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if 'message_hub' in checkpoint:
            checkpoint['message_hub'] = _encode(checkpoint['message_hub'])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if 'message_hub' in checkpoint:
            checkpoint['message_hub'] = _decode(checkpoint['message_hub'])
