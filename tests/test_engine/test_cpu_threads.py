"""The CPU thread policy: the load of other processes read from /proc, the
threads it leaves us, and the hook that follows it during a run."""
import os
import time
from types import SimpleNamespace

import pytest
import torch

from directpose.engine import CpuThreadsHook
from directpose.engine.cpu_threads import (CpuLoadProbe, CpuSample,
                                           choose_threads, other_load,
                                           user_thread_count)


def _pid_stat(pid, ppid, utime, stime, cutime=0, cstime=0, comm='python'):
    # pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt
    # majflt cmajflt utime stime cutime cstime ...
    return (f'{pid} ({comm}) R {ppid} 1 1 0 -1 0 0 0 0 0 {utime} {stime} '
            f'{cutime} {cstime} 20 0 1 0 100 0 0\n')


def _fake_proc(root, cpus, processes):
    """``cpus``: per core, its 10 /proc/stat columns; ``processes``:
    {entry: stat line} (entry 'self' is this process)."""
    lines = ['cpu ' + ' '.join(map(str, map(sum, zip(*cpus))))]
    lines += [
        f'cpu{i} ' + ' '.join(map(str, columns))
        for i, columns in enumerate(cpus)
    ]
    (root / 'stat').write_text('\n'.join(lines + ['intr 1 2 3']) + '\n')
    for entry, line in processes.items():
        (root / entry).mkdir(exist_ok=True)
        (root / entry / 'stat').write_text(line)
    return CpuLoadProbe(cpus=[0, 1], proc=str(root))


def test_probe_reads_busy_time_of_our_cores_and_our_process_tree(tmp_path):
    # columns: user nice system idle iowait irq softirq steal guest g_nice
    probe = _fake_proc(
        tmp_path,
        cpus=[[100, 1, 20, 900, 50, 2, 3, 4, 7, 0],
              [200, 0, 30, 800, 60, 0, 0, 0, 0, 0],
              [999, 0, 999, 0, 0, 0, 0, 0, 0, 0]],  # not ours
        processes={
            'self': _pid_stat(40, 1, 70, 10, cutime=5, cstime=1),
            '40': _pid_stat(40, 1, 70, 10, cutime=5, cstime=1),
            '41': _pid_stat(41, 40, 30, 4, comm='pt_data (w) 0'),  # a worker
            '77': _pid_stat(77, 1, 500, 500),  # someone else's
            'net': 'not a process\n',
        })
    sample = probe.sample()
    tick = 1 / os.sysconf('SC_CLK_TCK')
    # busy = user + nice + system + irq + softirq + steal, cores 0 and 1
    assert sample.busy == pytest.approx((130 + 230) * tick)
    # self (with its reaped children) and its live child 41
    assert sample.own == pytest.approx((80 + 6 + 34) * tick)


def test_probe_without_proc_gives_no_sample(tmp_path):
    probe = CpuLoadProbe(cpus=[0], proc=str(tmp_path))
    assert not probe.available
    assert probe.sample() is None


def test_probe_on_this_machine_sees_its_own_work():
    probe = CpuLoadProbe()
    start = probe.sample()
    end_time = time.process_time() + 0.2
    while time.process_time() < end_time:  # 0.2 s of our CPU time
        pass
    end = probe.sample()
    assert end.own - start.own >= 0.15
    assert end.busy - start.busy >= end.own - start.own - 0.05


def _sample(wall, busy, own):
    return CpuSample(wall=wall, busy=busy, own=own)


def test_other_load_is_busy_time_not_ours_per_second():
    # 0.5 s: 1.0 s busy on our cores, 0.45 s of it ours
    assert other_load(_sample(10, 100, 3), _sample(10.5, 101,
                                                   3.45)) == pytest.approx(1.1)
    assert other_load(_sample(10, 100, 3), _sample(10, 101, 3)) == 0


@pytest.mark.parametrize(
    'cores, load, ceiling, threads',
    [
        (2, 0.0, None, 2),  # idle: every core
        (2, 0.1, None, 2),  # a little background work
        (2, 1.0, None, 1),  # one other busy core of 2
        (2, 0.67, None, 1),  # one busy process beside our 2 threads
        (2, 3.0, None, 1),  # at least 1
        (8, 1.2, None, 7),
        (8, 1.4, None, 6),
        (8, 0.0, 4, 4),  # never above the ceiling
        (8, None, 4, 4),  # unknown load: the ceiling
        (8, None, None, 8),
    ])
def test_choose_threads(cores, load, ceiling, threads):
    assert choose_threads(cores, load, ceiling) == threads


def test_policy_on_faked_proc_readings(tmp_path):
    """Two readings of a fake /proc half a second apart: the policy's
    answer for an idle machine and for one busy process beside us."""

    def reading(busy_ticks, own_ticks):
        cpus = [[busy_ticks // 2, 0, 0, 1000, 0, 0, 0, 0, 0, 0]] * 2
        line = _pid_stat(40, 1, own_ticks, 0)
        return _fake_proc(tmp_path, cpus, {'self': line, '40': line}).sample()

    tick = 1 / os.sysconf('SC_CLK_TCK')
    half = round(0.5 / tick)  # ticks in half a second
    start = reading(1000, 100)

    def load_after(busy, own):
        end = reading(1000 + busy, 100 + own)
        return other_load(start, CpuSample(start.wall + 0.5, end.busy,
                                           end.own))

    # idle but for us (2 threads on 2 cores): every core
    assert choose_threads(2, load_after(2 * half, 2 * half)) == 2
    # another process keeps one core busy while we use the other
    assert choose_threads(2, load_after(2 * half, half)) == 1


def test_user_thread_count():
    assert user_thread_count({}) is None
    assert user_thread_count({'OMP_NUM_THREADS':
                              '3'}) == (3, 'OMP_NUM_THREADS')
    assert user_thread_count({'MKL_NUM_THREADS':
                              '2'}) == (2, 'MKL_NUM_THREADS')
    with pytest.raises(ValueError, match='OMP_NUM_THREADS=.*positive'):
        user_thread_count({'OMP_NUM_THREADS': 'all'})


class FakeProbe:
    """Two cores; ``load`` cores of other processes and one of ours."""

    def __init__(self, load=0.0):
        self.cpus = frozenset({0, 1})
        self.proc = '/fake'
        self.load = load
        self._wall = time.monotonic()
        self._busy = self._own = 0.0

    def sample(self):
        time.sleep(0.001)
        wall = time.monotonic()
        seconds, self._wall = wall - self._wall, wall
        self._own += seconds
        self._busy += seconds * (1 + self.load)
        return CpuSample(wall=wall, busy=self._busy, own=self._own)


@pytest.fixture
def two_threads(monkeypatch):
    for name in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(threads)


def _runner():
    # no `iter`: reading a test run's runner.iter builds its training loop
    messages = []
    return SimpleNamespace(logger=SimpleNamespace(
        info=messages.append)), messages


def test_hook_follows_the_load_and_restores_the_threads(two_threads):
    probe = FakeProbe(load=0.0)
    hook = CpuThreadsHook(period_s=0, min_window_s=0.01, probe=probe)
    runner, messages = _runner()
    hook.before_run(runner)
    assert torch.get_num_threads() == 2
    assert messages == ['CPU threads: 2 of 2 cores (other load 0.0 cores)']

    probe.load = 1.0  # another process starts
    for i in range(3):
        hook.before_train_iter(runner, i)
    assert torch.get_num_threads() == 1
    # one message for the change, not one an iteration
    assert messages[1:] == [
        'CPU threads: 2 -> 1 of 2 cores (other load 1.0 cores)'
    ]
    probe.load = 0.0  # and stops
    hook.before_val_iter(runner, 0)
    assert torch.get_num_threads() == 2
    assert messages[2] == 'CPU threads: 1 -> 2 of 2 cores (other load 0.0 ' \
        'cores)'
    # the iterations each choice came before
    assert [(i, t) for i, t, _ in hook.history] == [(0, 2), (1, 1), (4, 2)]

    probe.load = 1.0
    hook.before_test_iter(runner, 0)
    assert torch.get_num_threads() == 1
    hook.after_run(runner)
    assert torch.get_num_threads() == 2  # as the run found them


def test_hook_looks_only_once_a_period(two_threads):
    probe = FakeProbe(load=0.0)
    hook = CpuThreadsHook(period_s=3600, min_window_s=0.01, probe=probe)
    runner, _ = _runner()
    hook.before_run(runner)
    probe.load = 1.0
    hook.before_train_iter(runner, 0)
    assert torch.get_num_threads() == 2


def test_the_users_choice_wins(two_threads, monkeypatch):
    probe = FakeProbe(load=1.0)
    runner, messages = _runner()
    monkeypatch.setenv('OMP_NUM_THREADS', '2')
    hook = CpuThreadsHook(period_s=0, probe=probe)
    hook.before_run(runner)
    hook.before_train_iter(runner, 0)
    assert torch.get_num_threads() == 2
    assert messages == ['CPU threads: 2 of 2 cores (set by OMP_NUM_THREADS)']
    assert hook.history == [(0, 2, None)]

    monkeypatch.delenv('OMP_NUM_THREADS')
    probe.load = 0.0
    hook = CpuThreadsHook(threads=1, period_s=0, probe=probe)
    hook.before_run(runner)
    hook.before_train_iter(runner, 0)
    assert torch.get_num_threads() == 1
    hook.after_run(runner)
    assert torch.get_num_threads() == 2

    # set during the run by someone else: left alone from then on
    hook = CpuThreadsHook(period_s=0, min_window_s=0.01, probe=probe)
    hook.before_run(runner)
    torch.set_num_threads(1)
    hook.before_train_iter(runner, 0)
    hook.before_train_iter(runner, 1)
    assert torch.get_num_threads() == 1
    assert messages[-1].endswith('leaves them alone from now on')


def test_hook_does_nothing_with_a_gpu(two_threads, monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    hook = CpuThreadsHook(period_s=0, probe=FakeProbe(load=1.0))
    runner, messages = _runner()
    hook.before_run(runner)
    hook.before_train_iter(runner, 0)
    hook.after_run(runner)
    assert torch.get_num_threads() == 2 and messages == []


def test_bad_thread_count_is_refused():
    with pytest.raises(ValueError, match='threads must be positive'):
        CpuThreadsHook(threads=0, probe=FakeProbe())
