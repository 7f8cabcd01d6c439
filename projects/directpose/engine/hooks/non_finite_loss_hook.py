import math
from typing import Dict, List, Optional

import torch
from mmengine.dist import all_gather_object, all_reduce, get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stop training before a NaN or infinite loss reaches the weights.

    The hook wraps the model's ``parse_losses`` (which every
    ``train_step``, plain or DDP, calls between the forward pass and the
    optimizer step) so that each loss term is checked first. A non-finite
    term raises :class:`FloatingPointError` naming the term(s), the epoch, the
    iteration, the rank and the images of the batch; the optimizer step does
    not happen, so the weights (and the last checkpoint) stay as they were.

    With several processes every rank learns whether any rank found a
    non-finite term (one all-reduce of a flag per iteration) and all of them
    raise together, instead of the healthy ones waiting forever in the next
    gradient all-reduce.
    """

    def __init__(self) -> None:
        self._model = None
        self._img_paths: List[str] = []

    def before_train(self, runner) -> None:
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        parse_losses = model.parse_losses

        def checked_parse_losses(losses: Dict[str, torch.Tensor]):
            loss, log_vars = parse_losses(losses)
            self._check(runner, log_vars)
            return loss, log_vars

        model.parse_losses = checked_parse_losses
        self._model = model

    def after_train(self, runner) -> None:
        if self._model is not None:
            del self._model.parse_losses  # the class's method again
            self._model = None

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        samples = (data_batch or {}).get('data_samples') or []
        self._img_paths = [
            str(s.metainfo.get('img_path')) for s in samples
            if hasattr(s, 'metainfo')
        ]

    def _check(self, runner, log_vars: Dict[str, torch.Tensor]) -> None:
        terms = {k: v for k, v in log_vars.items() if 'loss' in k}
        bad = [
            k for k, v in terms.items()
            if k != 'loss' and not torch.isfinite(v).all()
        ]
        if not bad and not torch.isfinite(terms['loss']).all():
            bad = ['loss']  # finite terms whose sum overflows
        flag = torch.tensor([float(len(bad) > 0)], device=terms['loss'].device)
        all_reduce(flag)  # no-op without a process group
        if flag.item() == 0:
            return
        found = dict(
            rank=get_rank(),
            terms={k: terms[k].item()
                   for k in bad},
            images=self._img_paths)
        reports = [r for r in all_gather_object(found) if r['terms']]
        raise FloatingPointError(_message(runner, reports))


def _message(runner, reports: List[dict]) -> str:
    lines = [
        f'Non-finite loss at epoch {runner.epoch + 1}, iteration '
        f'{runner.iter + 1}: training stopped before the optimizer step, '
        'so the weights were not changed.'
    ]
    for report in reports:
        terms = ', '.join(f'{k}={_fmt(v)}' for k, v in report['terms'].items())
        lines.append(f'  rank {report["rank"]}: {terms}; batch images: '
                     f'{", ".join(report["images"]) or "unknown"}')
    lines.append(
        'Common causes: a learning rate too high for the batch size (see '
        '--auto-scale-lr), a bad annotation in these images, or fp16 '
        'overflow with --amp. Fix the cause, then continue from the last '
        'checkpoint with --resume.')
    return '\n'.join(lines)


def _fmt(value: float) -> str:
    return 'nan' if math.isnan(value) else repr(value)
