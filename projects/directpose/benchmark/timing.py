"""Where the time of one ``test_step`` of a pose estimator goes."""
import time
from typing import Callable, Dict, List, Sequence

import numpy as np
import torch
import torch.nn as nn

STAGES = ('preprocess', 'backbone', 'neck', 'head', 'postprocess')


def summarize(samples: Sequence[float]) -> Dict[str, float]:
    """Median, quartiles, mean and standard deviation of ``samples``."""
    values = np.asarray(samples, dtype=float)
    if values.size == 0:
        raise ValueError('no samples to summarize')
    p25, median, p75 = np.percentile(values, [25, 50, 75])
    return dict(
        median=float(median),
        p25=float(p25),
        p75=float(p75),
        iqr=float(p75 - p25),
        mean=float(values.mean()),
        std=float(values.std()),
        n=int(values.size))


class StageTimer:
    """Times the stages of a bottom-up pose estimator's ``test_step``.

    Inside the ``with`` block, hooks add up the time spent in the data
    preprocessor, the backbone and the neck (each may run twice with the
    flip test), and in the head's network: the head's ``forward`` and any
    submodule call or ``forward_test`` (RTMO's DCC) while ``predict`` runs.
    Everything else in ``test_step`` is post-processing: score filtering,
    NMS, grouping, rescaling to the image.

    Args:
        model (nn.Module): A ``BottomupPoseEstimator``.
        sync (bool): Wait for CUDA at every stage boundary (needed for true
            GPU timings).

    Example:
        >>> with StageTimer(model) as timer:
        ...     stages = timer.run(data_batch)  # seconds per stage + total
    """

    #: the stages it reports, the last being what is left of ``total``
    stages = STAGES

    def __init__(self, model: nn.Module, sync: bool = False):
        self.model = model
        self.sync = sync
        self._handles: List = []
        self._patched: List = []
        self._times: Dict[str, float] = {}
        self._depth = 0
        self._start = 0.0

    def _clock(self) -> float:
        if self.sync:
            torch.cuda.synchronize()
        return time.perf_counter()

    # ------------------------------------------------------------- hooks
    def _enter(self) -> None:
        if self._depth == 0:
            self._start = self._clock()
        self._depth += 1

    def _exit(self, stage: str) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._times[stage] += self._clock() - self._start

    def _hook_module(self, module: nn.Module, stage: str) -> None:
        self._handles.append(
            module.register_forward_pre_hook(lambda *_: self._enter()))
        self._handles.append(
            module.register_forward_hook(lambda *_: self._exit(stage)))

    def _wrap_method(self, module: nn.Module, name: str, stage: str) -> None:
        method: Callable = getattr(module, name)

        def timed(*args, **kwargs):
            self._enter()
            try:
                return method(*args, **kwargs)
            finally:
                self._exit(stage)

        self._patched.append((module, name, module.__dict__.get(name)))
        setattr(module, name, timed)

    def __enter__(self) -> 'StageTimer':
        model = self.model
        self._hook_module(model.data_preprocessor, 'preprocess')
        self._hook_module(model.backbone, 'backbone')
        if getattr(model, 'neck', None) is not None:
            self._hook_module(model.neck, 'neck')
        head = model.head
        self._wrap_method(head, 'forward', 'head')
        for module in head.modules():
            if module is not head:
                self._hook_module(module, 'head')
            if callable(getattr(module, 'forward_test', None)):
                self._wrap_method(module, 'forward_test', 'head')
        return self

    def __exit__(self, *exc) -> None:
        for handle in self._handles:
            handle.remove()
        for module, name, own in reversed(self._patched):
            if own is None:
                delattr(module, name)  # the class's method shows again
            else:
                setattr(module, name, own)  # e.g. RTMO's deploy-mode DCC
        self._handles, self._patched = [], []

    def run(self, data: dict) -> Dict[str, float]:
        """One ``test_step``; returns the seconds of each of
        :attr:`stages`, ``total``, and ``instances`` (persons predicted in
        the first image)."""
        self._times = dict.fromkeys(self.stages[:-1], 0.0)
        self._depth = 0
        with torch.no_grad():
            start = self._clock()
            results = self.model.test_step(data)
            total = self._clock() - start
        times = dict(self._times)
        times[self.stages[-1]] = max(total - sum(times.values()), 0.0)
        times['total'] = total
        times['instances'] = len(results[0].pred_instances)
        return times
