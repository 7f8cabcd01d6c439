"""Short training runs that record what a device check needs: the losses of
every iteration, seconds per iteration, peak memory and, optionally, the
accuracy after training (``tools/device_check.py``)."""
import copy
import itertools
import math
import time
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from torch.utils.data import DataLoader, Dataset

from directpose.engine import build_runner

PRECISIONS = ('fp32', 'amp')


class IterationRecorder(Hook):
    """Records every training iteration: its loss terms, its seconds (from
    the end of the previous iteration, so data loading included) and the
    part of them spent waiting for data; and the peak CUDA memory. With a
    time limit, it ends training after the first iteration that ends past
    it (``stopped_early``).

    Not registered: :func:`probe_training` adds it to its runner.

    Args:
        sync (bool): Wait for CUDA before reading the clock (true GPU
            times).
        time_limit_s (float, optional): Seconds of training at most.
    """

    priority = 'VERY_LOW'  # after the optimizer step and the other hooks

    def __init__(self,
                 sync: bool = False,
                 time_limit_s: Optional[float] = None):
        self.sync = sync
        self.time_limit_s = time_limit_s
        self.stopped_early = False
        self.losses: List[Dict[str, float]] = []
        self.iter_seconds: List[float] = []
        self.data_seconds: List[float] = []
        self.peak_allocated_mib: Optional[float] = None
        self.peak_reserved_mib: Optional[float] = None
        self._start = self._last = self._fetched = 0.0

    def _clock(self) -> float:
        if self.sync:
            torch.cuda.synchronize()
        return time.perf_counter()

    def before_train(self, runner) -> None:
        if self.sync:
            torch.cuda.reset_peak_memory_stats()
        self._start = self._last = self._clock()

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self._fetched = time.perf_counter()

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        now = self._clock()
        self.iter_seconds.append(now - self._last)
        self.data_seconds.append(self._fetched - self._last)
        self._last = now
        self.losses.append({
            k:
            v.item() if isinstance(v, torch.Tensor) else float(v)
            for k, v in (outputs or {}).items() if 'loss' in k
        })
        loop = runner.train_loop
        if (self.time_limit_s is not None
                and now - self._start >= self.time_limit_s
                and loop.iter + 1 < loop.max_iters):  # iter: this one
            loop.stop_training = True  # IterBasedTrainLoop ends here
            self.stopped_early = True

    def after_train(self, runner) -> None:
        if self.sync:
            self.peak_allocated_mib = torch.cuda.max_memory_allocated() / 2**20
            self.peak_reserved_mib = torch.cuda.max_memory_reserved() / 2**20


def _set_precision(cfg: Config, precision: str, device: str) -> None:
    """Make ``cfg.optim_wrapper`` train in ``precision``: 'fp32' as it is;
    'amp' with mmengine's ``AmpOptimWrapper`` on CUDA (fp16, dynamic loss
    scale, as ``tools/train.py --amp``), else with
    :class:`~directpose.engine.AutocastOptimWrapper` in float16 too, since
    ``AmpOptimWrapper`` needs CUDA: the same autocast dtype, so that the
    dtype paths that fp16 takes run on CPU as well (without loss scaling,
    which a probe of a few iterations does not need)."""
    if precision not in PRECISIONS:
        raise ValueError(f'precision must be one of {PRECISIONS}, got '
                         f'{precision!r}')
    if precision == 'amp' and device == 'cuda':
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    elif precision == 'amp':
        cfg.optim_wrapper.type = 'AutocastOptimWrapper'
        cfg.optim_wrapper.dtype = 'float16'


def precision_of(cfg: Config) -> str:
    """What ``cfg.optim_wrapper`` trains in, in words."""
    wrapper = cfg.optim_wrapper
    if wrapper.get('type') == 'AmpOptimWrapper':
        return 'amp (fp16, dynamic loss scale)'
    if wrapper.get('type') == 'AutocastOptimWrapper':
        return f"autocast ({wrapper.get('dtype', 'bfloat16')})"
    return 'fp32'


def probe_config(cfg: Config,
                 iters: int,
                 work_dir: str,
                 name: str,
                 precision: str = 'fp32',
                 seed: int = 0,
                 evaluate: bool = False) -> Config:
    """The config of a probe: ``iters`` iterations of
    ``IterBasedTrainLoop`` (the schedulers convert epochs to iterations as
    usual), no validation, checkpoints or pretrained weights, quiet logs,
    ``seed`` (non-deterministic kernels allowed), ``precision``; its test
    loop stays when ``evaluate``.

    Args:
        cfg (Config): The method's config, pointed at its data.
        iters (int): Training iterations.
        work_dir (str): Where the runner writes its logs.
        name (str): A name unique in the process (the runner's instances
            of logger, message hub and visualizer are looked up by it).
        precision (str): 'fp32' or 'amp' (see :func:`_set_precision`).
        seed (int): The random seed.
        evaluate (bool): Keep the test loop.
    """
    cfg = copy.deepcopy(cfg)
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    _set_precision(cfg, precision, device)
    cfg.work_dir = work_dir
    cfg.experiment_name = name
    cfg.randomness = dict(seed=seed, deterministic=False)
    cfg.train_cfg = dict(
        type='IterBasedTrainLoop', max_iters=iters, val_interval=iters + 1)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if not evaluate:
        cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint = None
    cfg.log_processor = dict(by_epoch=False)
    cfg.log_level = 'WARNING'
    cfg.load_from, cfg.resume = None, False
    _drop_pretrained(cfg.model)
    return cfg


def _drop_pretrained(node) -> None:
    """Remove every ``init_cfg`` of type 'Pretrained' (no downloads: random
    weights are right for speed and memory)."""
    if isinstance(node, dict):
        init = node.get('init_cfg')
        if isinstance(init, dict) and init.get('type') == 'Pretrained':
            node['init_cfg'] = None
        for value in node.values():
            _drop_pretrained(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _drop_pretrained(value)


def probe_training(cfg: Config,
                   time_limit_s: Optional[float] = None,
                   batches: Optional[Sequence[dict]] = None) -> dict:
    """Train a config made by :func:`probe_config` (for ``time_limit_s``
    seconds at most), then test it if it kept its test loop. With
    ``batches`` (:func:`draw_batches`), it trains on those instead of its
    dataloader's, in order: two runs, e.g. on two devices, then see the
    same data whatever their loaders' workers and random states do.

    Returns:
        dict: ``precision``; ``stopped_early`` (by the time limit);
        ``losses``: the loss terms of every iteration
        (``loss`` is their sum); ``iter_seconds`` and ``data_seconds`` per
        iteration; ``peak_allocated_mib`` and ``peak_reserved_mib`` (CUDA,
        else None); ``loss_scale`` at the end (AMP with loss scaling, else
        None); ``metrics`` of the test (if any); ``seconds``:
        wall time of training and testing.
    """
    start = time.perf_counter()
    runner = build_runner(cfg)
    if batches is not None:
        # the Runner builds its loop from this attribute in train(); a
        # DataLoader instance is used as it is
        runner._train_dataloader = fixed_batches_loader(batches)
    recorder = IterationRecorder(torch.cuda.is_available(), time_limit_s)
    runner.register_hook(recorder)
    runner.train()
    scaler = getattr(runner.optim_wrapper, 'loss_scaler', None)
    result = dict(
        precision=precision_of(cfg),
        stopped_early=recorder.stopped_early,
        losses=recorder.losses,
        iter_seconds=recorder.iter_seconds,
        data_seconds=recorder.data_seconds,
        peak_allocated_mib=recorder.peak_allocated_mib,
        peak_reserved_mib=recorder.peak_reserved_mib,
        loss_scale=None if scaler is None else float(scaler.get_scale()))
    if cfg.get('test_dataloader') is not None:
        result['metrics'] = {k: float(v) for k, v in runner.test().items()}
    result['seconds'] = time.perf_counter() - start
    return result


def draw_batches(cfg: Config, num: int, seed: int = 0) -> List[dict]:
    """The first ``num`` batches of ``cfg``'s training dataloader (its
    pipeline, augmentation and collation, seeded with ``seed``), collated
    and on the CPU: to train two runs on the same data."""
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'mmpose')):
        loader = Runner.build_dataloader(cfg.train_dataloader, seed=seed)
        return list(itertools.islice(itertools.cycle(loader), num))


class _FixedBatches(Dataset):
    """Batches drawn beforehand, served in order, each as a fresh copy (the
    data preprocessor may write into a batch's samples)."""

    def __init__(self, batches: Sequence[dict]):
        self.batches = batches

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, index: int) -> dict:
        return copy.deepcopy(self.batches[index])


def fixed_batches_loader(batches: Sequence[dict]) -> DataLoader:
    """A dataloader that yields ``batches`` in order (already collated),
    in the main process: what the runner of :func:`probe_training` trains
    on when given ``batches``."""
    # batches of one item, the batch itself: the loader keeps the
    # batch_sampler that mmengine's sampler-seed hook looks for
    return DataLoader(
        _FixedBatches(batches), batch_size=1, collate_fn=lambda b: b[0])


def loss_deviation(reference: Sequence[float], other: Sequence[float],
                   tolerances: Sequence[tuple]) -> dict:
    """How far the losses of a run are from those of a reference run of
    the same seed: ``|other - reference| / |reference|`` per iteration.

    Args:
        reference (Sequence[float]): Losses of the reference run.
        other (Sequence[float]): Losses of the same iterations elsewhere.
        tolerances (Sequence[tuple]): ``(first, last, tolerance)``:
            iterations ``first..last`` (1-based, inclusive) may deviate by
            ``tolerance`` at most.

    Returns:
        dict: ``relative``: the deviation of each compared iteration;
        ``max`` per tolerance range (key 'first-last'); ``within``: whether
        every range is within its tolerance (None if nothing to compare).
    """
    n = min(len(reference), len(other))
    ref = np.asarray(reference[:n], dtype=float)
    rel = np.abs(np.asarray(other[:n], dtype=float) - ref) / np.maximum(
        np.abs(ref), 1e-12)
    rel = np.where(np.isnan(rel), np.inf, rel)
    maxima, within = {}, None if n == 0 else True
    for first, last, tol in tolerances:
        part = rel[first - 1:min(last, n)]
        if part.size == 0:
            continue
        maxima[f'{first}-{last}'] = float(part.max())
        within = within and bool(part.max() <= tol)
    return dict(relative=[float(x) for x in rel], max=maxima, within=within)


def schedule_projection(seconds_per_iter: float,
                        per_gpu_batch: int,
                        num_images: int,
                        gpus: int = 8,
                        epochs: Optional[int] = None,
                        max_iters: Optional[int] = None) -> dict:
    """Wall time of a whole schedule on ``gpus`` GPUs at the measured
    per-GPU speed: ``max_iters`` iterations for an iteration-based schedule,
    else ``epochs * ceil(num_images / (gpus * per_gpu_batch))``, of
    ``seconds_per_iter`` each (no time for communication, validation or
    checkpoints).

    Returns:
        dict: ``iterations`` and ``hours``, and the inputs.
    """
    if (epochs is None) == (max_iters is None):
        raise ValueError('schedule_projection: give epochs or max_iters')
    iterations = max_iters if max_iters is not None else epochs * math.ceil(
        num_images / (gpus * per_gpu_batch))
    return dict(
        gpus=gpus,
        epochs=epochs,
        max_iters=max_iters,
        per_gpu_batch=per_gpu_batch,
        num_images=num_images,
        iterations=iterations,
        hours=iterations * seconds_per_iter / 3600)
