import time
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmpose.registry import HOOKS

from ..cpu_threads import (CLAIM, CpuLoadProbe, choose_threads, other_load,
                           user_thread_count)


@HOOKS.register_module()
class CpuThreadsHook(Hook):
    """Keep a CPU run's intra-op threads to the cores other processes leave
    free (the policy of :mod:`directpose.engine.cpu_threads`), from the
    start of the run and as load comes and goes.

    At ``before_run`` it measures the load of other processes over the time
    since the hook was built (the Runner's set-up; at least
    ``min_window_s``), sets ``torch.set_num_threads`` and logs the choice,
    e.g. ``CPU threads: 2 of 2 cores (other load 0.1 cores)``. Then, before
    every training, validation or test iteration that starts ``period_s``
    or more after the last look, it measures the load over that time and
    lowers or raises the threads (never above the count the run started
    with), logging each change. After the run the starting count is back.

    The period is in seconds, not iterations: an iteration beside a busy
    process can take 20 times as long as alone. A look reads a few files of
    ``/proc`` (about a millisecond).

    It does nothing on a machine with a GPU, and keeps a fixed count when
    one is chosen: ``threads``, else ``OMP_NUM_THREADS`` or
    ``MKL_NUM_THREADS``. If something else changes the thread count during
    the run, the hook leaves it alone from then on.

    :func:`~directpose.engine.build_runner` adds this hook to runners on
    machines without a GPU whose config does not have it already.

    Args:
        threads (int, optional): Use this many threads, whatever the load.
        period_s (float): Seconds between looks at the load.
        min_window_s (float): Shortest window the first look measures over
            (it waits for the rest).
        claim (float): Part of a core another process must use to take it
            (see :func:`~directpose.engine.cpu_threads.choose_threads`).
        probe (CpuLoadProbe, optional): Where the load is read (default
            ``/proc`` for this process's cores).
    """

    priority = 'VERY_HIGH'  # threads set before the other hooks' work

    def __init__(self,
                 threads: Optional[int] = None,
                 period_s: float = 2.0,
                 min_window_s: float = 0.3,
                 claim: float = CLAIM,
                 probe: Optional[CpuLoadProbe] = None):
        if threads is not None and threads < 1:
            raise ValueError(f'CpuThreadsHook: threads must be positive, '
                             f'got {threads}')
        self.threads = threads
        self.period_s = period_s
        self.min_window_s = min_window_s
        self.claim = claim
        self.probe = probe or CpuLoadProbe()
        self.cores = len(self.probe.cpus)
        self.adaptive = False
        self._ceiling = self._current = self._restore = None
        self._last = self.probe.sample()
        #: (iteration, threads, other load or None if not measured) of
        #: every choice made; the iteration it came before, counting those
        #: of every loop (training, validation, test) from 1, 0 for the run's
        #: start (the runner's ``iter`` would build a test run's train loop)
        self.history = []
        self._iters = 0

    def before_run(self, runner) -> None:
        self._restore = None
        if torch.cuda.is_available():
            return
        self._restore = torch.get_num_threads()
        fixed = ((self.threads, 'CpuThreadsHook(threads)')
                 if self.threads is not None else user_thread_count())
        if fixed is not None:
            self.adaptive = False
            self._set(fixed[0])
            self.history.append((self._iters, fixed[0], None))
            runner.logger.info(f'CPU threads: {fixed[0]} of {self.cores} '
                               f'cores (set by {fixed[1]})')
            return
        self._ceiling = self._current = torch.get_num_threads()
        self.adaptive = self._last is not None
        if not self.adaptive:
            runner.logger.info(f'CPU threads: {self._ceiling} of '
                               f'{self.cores} cores (other load unknown: '
                               f'{self.probe.proc}/stat cannot be read)')
            return
        wait = self._last.wall + self.min_window_s - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._look(runner, first=True)

    def _set(self, threads: int) -> None:
        torch.set_num_threads(threads)
        self._current = torch.get_num_threads()

    def _look(self, runner, first: bool = False) -> None:
        """Measure the load since the last look and pick the threads."""
        sample = self.probe.sample()
        if sample is None:  # /proc went away: keep what we have
            self.adaptive = False
            return
        load = other_load(self._last, sample)
        self._last = sample
        threads = choose_threads(self.cores, load, self._ceiling, self.claim)
        if not first and threads == self._current:
            return
        before = self._current
        self._set(threads)
        self.history.append((self._iters, threads, load))
        change = '' if first else f'{before} -> '
        runner.logger.info(f'CPU threads: {change}{threads} of {self.cores} '
                           f'cores (other load {load:.1f} cores)')

    def _maybe_look(self, runner) -> None:
        self._iters += 1
        if not self.adaptive:
            return
        if torch.get_num_threads() != self._current:
            self.adaptive = False
            runner.logger.info(
                f'CPU threads: set to {torch.get_num_threads()} by someone '
                'else; CpuThreadsHook leaves them alone from now on')
            return
        if time.monotonic() - self._last.wall >= self.period_s:
            self._look(runner)

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self._maybe_look(runner)

    def before_val_iter(self, runner, batch_idx, data_batch=None) -> None:
        self._maybe_look(runner)

    def before_test_iter(self, runner, batch_idx, data_batch=None) -> None:
        self._maybe_look(runner)

    def after_run(self, runner) -> None:
        if self._restore is not None:
            torch.set_num_threads(self._restore)
        self.adaptive = False
