"""Training throughput of a config on the CPU under thread settings, alone
and beside a busy process; the data pipeline's cost per image and the
evaluation's cost (``tools/benchmark_training.py``).

Each scenario runs in its own process (a thread count is fixed for a
process's life through ``OMP_NUM_THREADS``; a process starts clean). The
busy process is started here, beside the scenario's process rather than
under it, so that the thread policy of
:class:`~directpose.engine.hooks.CpuThreadsHook` sees it as another
process's load, as it would a user's other program.

Run as ``python -m directpose.benchmark.training_speed SPEC OUT`` it is one
scenario's process: SPEC a JSON of the scenario, its :class:`BenchSettings`
and its work folder, OUT where its result goes.
"""
import copy
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import DefaultScope
from mmpose.registry import DATASETS

from directpose.engine import CpuThreadsHook, build_runner, load_config
from directpose.engine.cpu_threads import THREAD_VARIABLES
from .probe import IterationRecorder, probe_config

KINDS = ('train', 'pipeline', 'eval')
BUSY = ('', 'start', 'mid')


@dataclass(frozen=True)
class Scenario:
    """One measurement.

    Attributes:
        name (str): Its name on the command line and in the table.
        kind (str): 'train' (images/s of training), 'pipeline' (ms per
            image of the training data pipeline, in one process and thread)
            or 'eval' (seconds of ``runner.test()`` on the test set).
        threads (int, optional): Intra-op threads fixed with
            ``OMP_NUM_THREADS``; None: the thread policy decides.
        busy (str): When a busy process starts: '' never, 'start' before
            the scenario, 'mid' once training has warmed up.
        channels_last (bool): Train the model in channels-last memory
            format.
        meaning (str): What it stands for, in words.
    """
    name: str
    kind: str = 'train'
    threads: Optional[int] = None
    busy: str = ''
    channels_last: bool = False
    meaning: str = ''


@dataclass(frozen=True)
class BenchSettings:
    """What every scenario of one benchmark measures on.

    Attributes:
        config (str): The config file.
        cfg_options (dict, optional): ``--cfg-options`` overrides.
        data_root (str, optional): A synthetic dataset to point the config
            at (see ``point_at_dataset``).
        iters (int): Training iterations measured, after ``warmup`` ones.
        warmup (int): Training iterations not measured.
        time_limit_s (float): Training stops after this many seconds
            whatever ``iters`` (a collapsed run stays short).
        pipeline_images (int): Images the 'pipeline' scenario loads.
        eval_images (int, optional): Test images 'eval' evaluates (the
            first ones; None: all).
        checkpoint (str, optional): Weights for 'eval' (default random:
            post-processing times then depend on how many candidates pass
            the score threshold).
    """
    config: str
    cfg_options: Optional[dict] = None
    data_root: Optional[str] = None
    iters: int = 40
    warmup: int = 5
    time_limit_s: float = 60.0
    pipeline_images: int = 100
    eval_images: Optional[int] = 50
    checkpoint: Optional[str] = None


def default_scenarios(cores: int) -> Dict[str, Scenario]:
    """The scenarios of the benchmark on a machine with ``cores`` cores,
    by name, in the order they run."""
    before = f'{cores} threads fixed (PyTorch\'s default: before)'
    after = 'thread policy (CpuThreadsHook: after)'
    return {
        s.name: s
        for s in [
            Scenario('before', threads=cores, meaning=before),
            Scenario(
                'before+busy', threads=cores, busy='start', meaning=before),
            Scenario('after', meaning=after),
            Scenario('after+busy', busy='start', meaning=after),
            Scenario(
                'after+busy-mid',
                busy='mid',
                meaning=after + ', load appears once training has warmed up'),
            Scenario('1-thread', threads=1, meaning='1 thread fixed'),
            Scenario(
                '1-thread+busy',
                threads=1,
                busy='start',
                meaning='1 thread fixed'),
            Scenario(
                'after+channels-last',
                channels_last=True,
                meaning=after + ', channels-last model'),
            Scenario(
                'pipeline',
                kind='pipeline',
                threads=1,
                meaning='training data pipeline alone'),
            Scenario('eval', kind='eval', meaning='test set, ' + after),
        ]
    }


class _ChannelsLast(Hook):
    """Puts the model's parameters in channels-last memory format before
    training (convolutions then run channels-last)."""

    def before_train(self, runner) -> None:
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        model.to(memory_format=torch.channels_last)


class _Marker(Hook):
    """Creates the file ``path`` after ``iters`` training iterations: the
    signal for the parent to start the busy process."""

    priority = 'VERY_LOW'

    def __init__(self, path: str, iters: int):
        self.path = path
        self.iters = iters

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        if runner.iter + 1 == self.iters:
            open(self.path, 'w').close()


def _threads_chosen(runner) -> List[dict]:
    """The choices of the runner's CpuThreadsHook: iteration, threads and
    the other processes' load (None where the count was fixed)."""
    hook = next((h for h in runner.hooks if isinstance(h, CpuThreadsHook)),
                None)
    return [] if hook is None else [
        dict(iter=i, threads=t, load=None if load is None else round(load, 2))
        for i, t, load in hook.history
    ]


def _config(config: str, cfg_options: Optional[dict],
            data_root: Optional[str]):
    cfg = load_config(config, cfg_options)
    if data_root is not None:
        # imported here: the synthetic package pulls in its renderer
        from directpose.datasets.synthetic import point_at_dataset
        point_at_dataset(cfg, data_root)
    return cfg


def _train(cfg, scenario: Scenario, work_dir: str, iters: int, warmup: int,
           time_limit_s: float, marker: Optional[str]) -> dict:
    cfg = probe_config(cfg, warmup + iters, work_dir, scenario.name)
    runner = build_runner(cfg)
    recorder = IterationRecorder(time_limit_s=time_limit_s)
    runner.register_hook(recorder)
    if scenario.channels_last:
        runner.register_hook(_ChannelsLast())
    if marker is not None:
        runner.register_hook(_Marker(marker, warmup))
    runner.train()
    seconds = recorder.iter_seconds
    # after the warm-up (the first iteration starts the workers); a run
    # stopped by the time limit before its end keeps what it has
    skip = min(warmup, max(0, len(seconds) - 2))
    measured, waited = seconds[skip:], recorder.data_seconds[skip:]
    batch = cfg.train_dataloader.batch_size
    return dict(
        images_per_s=batch * len(measured) / sum(measured),
        s_per_iter=sum(measured) / len(measured),
        data_wait=sum(waited) / sum(measured),
        iters=len(measured),
        batch_size=batch,
        stopped_early=recorder.stopped_early,
        threads_chosen=_threads_chosen(runner))


def _pipeline(cfg, images: int) -> dict:
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'mmpose')):
        dataset = DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))
    for i in range(min(3, len(dataset))):  # file cache, lazy imports
        dataset[i]
    start = time.perf_counter()
    for i in range(images):
        dataset[i % len(dataset)]
    seconds = time.perf_counter() - start
    return dict(ms_per_image=1000 * seconds / images, images=images)


def _eval(cfg, work_dir: str, checkpoint: Optional[str],
          images: Optional[int]) -> dict:
    cfg.work_dir = work_dir
    if images is not None:  # the first ones
        cfg.test_dataloader.dataset.indices = images
    cfg.load_from, cfg.resume = checkpoint, False
    cfg.log_level = 'WARNING'
    runner = build_runner(cfg, phase='test')
    start = time.perf_counter()
    metrics = runner.test()
    seconds = time.perf_counter() - start
    images = len(runner.test_dataloader.dataset)
    return dict(
        seconds=seconds,
        images=images,
        ms_per_image=1000 * seconds / images,
        weights=checkpoint or 'random',
        metrics={
            k: float(v)
            for k, v in metrics.items()
        },
        threads_chosen=_threads_chosen(runner))


def run_scenario(scenario: Scenario,
                 settings: BenchSettings,
                 work_dir: str,
                 marker: Optional[str] = None) -> dict:
    """Measure one scenario in this process, in ``work_dir`` (``marker``:
    a file written once training has warmed up).

    Returns:
        dict: For 'train', ``images_per_s``, ``s_per_iter``, ``data_wait``
        (the part of the time spent waiting for data), ``iters`` measured,
        ``batch_size``, ``stopped_early`` (by ``time_limit_s``) and
        ``threads_chosen`` by the policy (iteration, threads, other load);
        for 'pipeline', ``ms_per_image``; for 'eval', ``seconds``,
        ``images``, ``ms_per_image``, ``weights``, ``metrics`` and
        ``threads_chosen``. All with ``threads``, the intra-op threads
        after the run.
    """
    s = settings
    cfg = _config(s.config, s.cfg_options, s.data_root)
    if scenario.kind == 'train':
        result = _train(cfg, scenario, work_dir, s.iters, s.warmup,
                        s.time_limit_s, marker)
    elif scenario.kind == 'pipeline':
        result = _pipeline(cfg, s.pipeline_images)
    else:
        result = _eval(cfg, work_dir, s.checkpoint, s.eval_images)
    return dict(result, threads=torch.get_num_threads())


class _BusyProcess:
    """A process that keeps one core busy while the ``with`` block runs
    (or from :meth:`start` on)."""

    def __init__(self):
        self.proc = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, '-c', 'while True: pass'])

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()


def _scenario_env(scenario: Scenario) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    if scenario.threads is not None:
        env['OMP_NUM_THREADS'] = str(scenario.threads)
    return env


def _run_child(scenario: Scenario, settings: BenchSettings,
               work_dir: str) -> dict:
    """Run ``scenario`` in a process of its own, with a busy process beside
    it if it asks for one."""
    spec, out = osp.join(work_dir,
                         'spec.json'), osp.join(work_dir, 'result.json')
    marker = osp.join(work_dir, 'warmed-up') if scenario.busy == 'mid' \
        else None
    with open(spec, 'w') as f:
        json.dump(
            dict(
                scenario=asdict(scenario),
                settings=asdict(settings),
                work_dir=work_dir,
                marker=marker), f)
    command = [sys.executable, '-m', __name__, spec, out]
    start = time.perf_counter()
    with _BusyProcess() as busy:
        if scenario.busy == 'start':
            busy.start()
        child = subprocess.Popen(
            command,
            env=_scenario_env(scenario),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True)
        if marker is not None:
            while child.poll() is None and not osp.exists(marker):
                time.sleep(0.05)
            busy.start()
        log, _ = child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f'scenario {scenario.name} failed '
                           f'(exit {child.returncode}):\n{log[-3000:]}')
    with open(out) as f:
        result = json.load(f)
    return dict(result, wall_s=time.perf_counter() - start)


def benchmark_training(settings: BenchSettings,
                       scenarios: Sequence[str],
                       log=None) -> dict:
    """Run ``scenarios`` of :func:`default_scenarios` one after the other,
    each in its own process, on ``settings``.

    Args:
        settings (BenchSettings): The config and what to measure on it.
        scenarios (Sequence[str]): Names of :func:`default_scenarios`.
        log (callable, optional): Called with a line after each scenario.

    Returns:
        dict: The settings (``config`` an absolute path), ``cores``,
        ``torch`` and ``scenarios``: name -> the scenario and its result
        (see :func:`run_scenario`) with ``wall_s``, the seconds of its
        process.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(
        os, 'sched_getaffinity') else os.cpu_count()
    known = default_scenarios(cores)
    unknown = [n for n in scenarios if n not in known]
    if unknown:
        raise ValueError(f'unknown scenarios {unknown}; known: '
                         f'{list(known)}')
    settings = replace(settings, config=osp.abspath(settings.config))
    results = {}
    for name in scenarios:
        with tempfile.TemporaryDirectory(prefix='bench_train_') as work_dir:
            result = _run_child(known[name], settings, work_dir)
        results[name] = dict(scenario=asdict(known[name]), **result)
        if log is not None:
            log(format_row(name, results[name]))
    return dict(
        asdict(settings),
        cores=cores,
        torch=torch.__version__,
        scenarios=results)


def format_row(name: str, entry: dict) -> str:
    """One scenario's line of the table."""
    kind = entry['scenario']['kind']
    chosen = entry.get('threads_chosen') or []
    threads = '->'.join(str(c['threads'])
                        for c in chosen) or str(entry['threads'])
    if kind == 'train':
        measured = (f"{entry['images_per_s']:.1f} img/s, "
                    f"{entry['s_per_iter']:.3f} s/iter over "
                    f"{entry['iters']} iters"
                    f"{' (time limit)' if entry['stopped_early'] else ''}, "
                    f"data wait {100 * entry['data_wait']:.0f}%")
    elif kind == 'pipeline':
        measured = (f"{entry['ms_per_image']:.1f} ms/image "
                    f"({entry['images']} images, one process)")
    else:
        measured = (f"{entry['seconds']:.1f} s for {entry['images']} "
                    f"images ({entry['ms_per_image']:.1f} ms/image, "
                    f"{entry['weights']} weights)")
    return (f"| {name} | {threads} | {measured} | {entry['wall_s']:.0f} s "
            f"| {entry['scenario']['meaning']} |")


def format_table(result: dict) -> str:
    """The scenarios as a Markdown table, and the before/after ratios."""
    lines = [
        f"{result['config']} on {result['cores']} cores "
        f"(torch {result['torch']})",
        '| scenario | threads | measured | process | meaning |',
        '|---|---|---|---|---|',
    ]
    scenarios = result['scenarios']
    lines += [format_row(n, e) for n, e in scenarios.items()]
    rates = {
        n: e['images_per_s']
        for n, e in scenarios.items() if 'images_per_s' in e
    }
    for quiet, busy in (('before', 'before+busy'), ('after', 'after+busy'),
                        ('1-thread', '1-thread+busy')):
        if quiet in rates and busy in rates:
            lines.append(f'{quiet}: busy / quiet = '
                         f'{rates[busy] / rates[quiet]:.2f}')
    for name in ('after', 'after+busy'):
        before = name.replace('after', 'before')
        if name in rates and before in rates:
            lines.append(f'{name} / {before} = '
                         f'{rates[name] / rates[before]:.2f}')
    return '\n'.join(lines)


def _main(argv: List[str]) -> None:
    import directpose
    directpose.install()
    spec, out = argv
    with open(spec) as f:
        kwargs = json.load(f)
    result = run_scenario(
        Scenario(**kwargs['scenario']), BenchSettings(**kwargs['settings']),
        kwargs['work_dir'], kwargs['marker'])
    with open(out, 'w') as f:
        json.dump(result, f)


if __name__ == '__main__':
    _main(sys.argv[1:])
