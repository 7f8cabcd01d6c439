"""How many intra-op threads a CPU run should use while other processes
share its cores.

PyTorch's CPU kernels run on an OpenMP team of ``torch.get_num_threads()``
threads (by default one a core) that meet at a barrier after every
parallel loop, waiting there by spinning. When another busy process takes
one of those cores, the thread on it is descheduled for whole time slices
and every other thread of the team spins at each barrier until it comes
back: on two cores beside one busy process, 2 epochs of the tiny RTMO took
19 times as long with 2 threads as alone, while 1 thread lost nothing
beside it (and a quarter of the speed alone).

The policy: count the cores we may run on (``os.sched_getaffinity``),
measure the CPU time that processes other than ours (this process and its
children, e.g. the dataloader workers) spent on them over a window, and
use one thread a core they leave free. A process claims a core when it
uses more than :data:`CLAIM` of one: a process beside a team that covers
every core gets only part of a core, yet enough to collapse the team.
An explicit choice (``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS``, or a
thread count given to :class:`~directpose.engine.hooks.CpuThreadsHook`)
wins over the policy.

Load is read from ``/proc`` (Linux); elsewhere it is unknown and the
policy keeps the thread count it started with.
"""
import math
import os
import time
from dataclasses import dataclass
from typing import Iterable, Optional, Tuple

#: part of a core a process must use to claim it (see the module's doc)
CLAIM = 0.35

#: environment variables by which a user fixes the thread count
THREAD_VARIABLES = ('OMP_NUM_THREADS', 'MKL_NUM_THREADS')

# /proc/stat cpuN columns counted as busy: user nice system irq softirq
# steal (guest time is inside user; idle and iowait are not busy)
_BUSY_COLUMNS = (0, 1, 2, 5, 6, 7)


@dataclass(frozen=True)
class CpuSample:
    """CPU time read at one moment.

    Attributes:
        wall (float): ``time.monotonic()`` when read, in seconds.
        busy (float): Seconds of CPU time all processes have spent on our
            cores since boot.
        own (float): Seconds of CPU time this process and its children
            (live ones and reaped ones) have spent since they started.
    """
    wall: float
    busy: float
    own: float


def other_load(start: CpuSample, end: CpuSample) -> float:
    """Cores that other processes kept busy between two samples, on
    average (0 when the window is empty)."""
    seconds = end.wall - start.wall
    if seconds <= 0:
        return 0.0
    return max(0.0,
               ((end.busy - start.busy) - (end.own - start.own)) / seconds)


def user_thread_count(environ=None) -> Optional[Tuple[int, str]]:
    """The thread count fixed through the environment, if any.

    Args:
        environ (Mapping, optional): The environment (default
            ``os.environ``).

    Returns:
        tuple or None: ``(threads, variable)`` from the first of
        :data:`THREAD_VARIABLES` that is set to a positive integer.

    Raises:
        ValueError: The variable is set to something else.
    """
    environ = os.environ if environ is None else environ
    for name in THREAD_VARIABLES:
        value = environ.get(name, '').strip()
        if not value:
            continue
        try:
            threads = int(value)
        except ValueError:
            threads = 0
        if threads < 1:
            raise ValueError(f'{name}={value!r}: expected a positive number '
                             'of threads')
        return threads, name
    return None


def choose_threads(cores: int,
                   load: Optional[float],
                   ceiling: Optional[int] = None,
                   claim: float = CLAIM) -> int:
    """Intra-op threads for a process that may run on ``cores`` cores
    while other processes keep ``load`` cores busy.

    Every started core of ``load`` beyond ``claim`` of one is taken (a
    load of 0.3 takes none, 0.4 one, 1.2 one, 1.4 two); the threads are the
    cores left, at least 1 and at most ``ceiling``.

    Args:
        cores (int): Cores this process may run on.
        load (float, optional): Cores busy with other processes; None when
            unknown (then the answer is ``ceiling``, or ``cores``).
        ceiling (int, optional): The most threads to use (default
            ``cores``).
        claim (float): Part of a core a load must exceed to take it.

    Returns:
        int: The number of threads.
    """
    ceiling = cores if ceiling is None else ceiling
    if load is None:
        return max(1, ceiling)
    taken = max(0, math.floor(load + 1 - claim))
    return max(1, min(ceiling, cores - taken))


class CpuLoadProbe:
    """Reads, from ``/proc``, the CPU time spent on this process's cores by
    all processes and by this process and its children.

    Args:
        cpus (Iterable[int], optional): The cores to watch (default: this
            process's affinity).
        proc (str): Where procfs is mounted (a directory laid out like it in
            tests).
    """

    def __init__(self, cpus: Optional[Iterable[int]] = None, proc='/proc'):
        if cpus is None:
            cpus = (
                os.sched_getaffinity(0) if hasattr(os, 'sched_getaffinity')
                else range(os.cpu_count() or 1))
        self.cpus = frozenset(cpus)
        self.proc = proc
        self.tick = 1.0 / os.sysconf('SC_CLK_TCK') if hasattr(
            os, 'sysconf') else 0.01

    @property
    def available(self) -> bool:
        """Whether the load can be read here."""
        return os.path.isfile(os.path.join(self.proc, 'stat'))

    def sample(self) -> Optional[CpuSample]:
        """The CPU times now, or None if they cannot be read."""
        try:
            return CpuSample(
                wall=time.monotonic(), busy=self._busy(), own=self._own())
        except (OSError, ValueError, IndexError):
            return None

    def _busy(self) -> float:
        ticks = 0
        with open(os.path.join(self.proc, 'stat')) as f:
            for line in f:
                name, *values = line.split()
                if (name.startswith('cpu') and name[3:].isdigit()
                        and int(name[3:]) in self.cpus):
                    ticks += sum(int(values[i]) for i in _BUSY_COLUMNS)
        return ticks * self.tick

    def _stat(self, entry: str) -> Tuple[str, str, int, int]:
        """(pid, ppid, the process's ticks, its reaped children's ticks)
        from ``/proc/<entry>/stat``."""
        with open(os.path.join(self.proc, entry, 'stat')) as f:
            text = f.read()
        # after the command name, which may hold spaces and ')': state ppid
        # ... utime(11) stime(12) cutime(13) cstime(14)
        fields = text[text.rindex(')') + 2:].split()
        return (text.split(' ',
                           1)[0], fields[1], int(fields[11]) + int(fields[12]),
                int(fields[13]) + int(fields[14]))

    def _own(self) -> float:
        pid, _, ticks, reaped = self._stat('self')
        total = ticks + reaped
        for entry in os.listdir(self.proc):
            if not entry.isdigit() or entry == pid:
                continue
            try:
                _, ppid, child, child_reaped = self._stat(entry)
            except (OSError, ValueError, IndexError):
                continue  # ended while we looked
            if ppid == pid:
                total += child + child_reaped
        return total * self.tick
