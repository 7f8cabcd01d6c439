"""Mixed precision on any device, CPU included."""
from contextlib import contextmanager
from typing import Optional, Union

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper
from mmpose.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """:class:`~mmengine.optim.OptimWrapper` whose forward passes run under
    ``torch.autocast`` on the model's device, without loss scaling.

    mmengine's ``AmpOptimWrapper`` (what ``tools/train.py --amp`` uses)
    refuses to start without a GPU. This wrapper gives the same forward
    context on any device, by default in bfloat16, whose exponent range is
    fp32's, so the gradients need no loss scaling. On CPU it exercises the
    same autocast rules that decide which ops run in reduced precision,
    which finds dtype mismatches before a GPU run does
    (``tools/device_check.py --device cpu``).

    Args:
        dtype (str | torch.dtype): The autocast dtype. Defaults to
            ``'bfloat16'``.
        device_type (str, optional): ``'cpu'`` or ``'cuda'``; by default
            that of the model's first parameter.
        **kwargs: See :class:`~mmengine.optim.OptimWrapper`.
    """

    def __init__(self,
                 dtype: Union[str, torch.dtype] = 'bfloat16',
                 device_type: Optional[str] = None,
                 **kwargs):
        super().__init__(**kwargs)
        self.cast_dtype = getattr(torch, dtype, None) if isinstance(
            dtype, str) else dtype
        if not isinstance(self.cast_dtype, torch.dtype):
            raise TypeError(f'dtype must name a torch dtype, got {dtype!r}')
        self.device_type = device_type

    @contextmanager
    def optim_context(self, model: nn.Module):
        """The gradient-accumulation context of ``OptimWrapper`` plus
        ``torch.autocast``."""
        device_type = self.device_type or next(model.parameters()).device.type
        with super().optim_context(model), torch.autocast(
                device_type, dtype=self.cast_dtype):
            yield
