"""Running a study: each method in its own process, then the report."""
import json
import os
import os.path as osp
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Dict, List, Optional, Sequence

from directpose.datasets.synthetic import make_synthetic_dataset
from directpose.engine.cpu_threads import user_thread_count
from .method import method_config, method_keys
from .report import write_report
from .result import MethodResult
from .spec import StudySpec


def _say(stream: IO, text: str) -> None:
    stream.write(f'{text}\n')  # one write: whole lines from several threads
    stream.flush()


def prepare_dataset(study: StudySpec, stream: IO = sys.stderr) -> None:
    """Make the study's synthetic dataset, and a validation set of as many
    images for each further seed of its ``val_seeds``, unless complete."""
    data = study.dataset
    if data is None:
        return
    start = time.perf_counter()
    summary = make_synthetic_dataset(
        data.root,
        preset=data.preset,
        fmt=data.format,
        num_train=data.num_train,
        num_val=data.num_val)
    if summary['generated']:
        _say(
            stream, f'made {data.root} ({summary["num_train_images"]} '
            f'train / {summary["num_val_images"]} val images) in '
            f'{time.perf_counter() - start:.1f} s')
    for seed, root in list(data.val_roots().items())[1:]:
        start = time.perf_counter()
        extra = make_synthetic_dataset(
            root,
            preset=data.preset,
            fmt=data.format,
            num_train=0,
            num_val=summary['num_val_images'],
            seed=seed)
        if extra['generated']:
            _say(
                stream, f'made {root} ({extra["num_val_images"]} val '
                f'images, seed {seed}) in '
                f'{time.perf_counter() - start:.1f} s')


def _saved_result(study: StudySpec, name: str) -> Optional[MethodResult]:
    path = osp.join(study.work_dir, name, 'result.json')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return MethodResult.from_dict(json.load(f))


def finished_result(study: StudySpec, name: str) -> Optional[MethodResult]:
    """The saved result of method ``name`` if it is complete and was made
    with the method's current config, checkpoint and speed settings.

    Raises:
        FileNotFoundError: If the method's config file does not exist.
    """
    method = study.method(name)
    keys = method_keys(study, method, method_config(study, method))
    result = _saved_result(study, name)
    if result is not None and result.key == keys['result']:
        return result
    return None


def _tail(path: str, lines: int = 15) -> str:
    if not osp.isfile(path):
        return ''
    with open(path, errors='replace') as f:
        return ''.join(f.readlines()[-lines:])


def _run_worker(study: StudySpec,
                name: str,
                verbose: bool,
                stream: Optional[IO],
                args: Sequence[str] = (),
                env: Optional[dict] = None) -> Optional[str]:
    """Run method ``name`` in a fresh Python process (clean logging and
    memory figures, a crash stays its own) with the worker's further
    ``args`` and environment ``env``; returns an error or None. Progress
    bars go to ``stream``, or with the log where it is None."""
    log = osp.join(study.work_dir, name, 'study.log')
    os.makedirs(osp.dirname(log), exist_ok=True)
    cmd = [
        sys.executable, '-m', 'directpose.study.worker', study.path,
        '--work-dir', study.work_dir, '--method', name, *args
    ]
    progress = None
    if not verbose and stream is not None:  # bars to `stream`, rest to `log`
        try:
            progress = os.dup(stream.fileno())
            cmd += ['--progress-fd', str(progress)]
        except (AttributeError, OSError, ValueError):
            pass  # a stream without a file descriptor: bars go to the log
    try:
        with open(log, 'a') as out:
            output = {} if verbose else dict(
                stdout=out, stderr=subprocess.STDOUT)
            code = subprocess.call(
                cmd,
                pass_fds=() if progress is None else (progress, ),
                env=env,
                **output)
    finally:
        if progress is not None:
            os.close(progress)
    if code == 0:
        return None
    return f'exit code {code}; see {log}:\n{_tail(log)}'


def train_side_by_side(study: StudySpec,
                       names: Sequence[str],
                       jobs: int,
                       stream: IO = sys.stderr) -> Dict[str, str]:
    """Train methods ``names``, ``jobs`` at a time, each in a worker with
    an equal share of the CPU cores as its intra-op threads (unless
    ``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS`` fixes them already).

    Two trainings of one thread each on two cores do more than one of two
    threads: part of each iteration runs on one thread anyway (the data
    pipeline, the assigners, many small operators), and the other training
    fills that core meanwhile (docs/comparative_study.md, "Trainings side
    by side"). Their logs go to each method's ``study.log``.

    Returns:
        dict: The error of each training that failed, by method name.
    """
    shared = min(jobs, len(names))  # fewer methods: a larger share each
    if not shared:
        return {}
    env = dict(os.environ)
    fixed = user_thread_count()
    cores = len(os.sched_getaffinity(0))
    threads = fixed[0] if fixed else max(1, cores // shared)
    if fixed is None:
        env['OMP_NUM_THREADS'] = str(threads)
    args = ['--train-only', '--train-jobs', str(shared)]

    def train(name: str) -> Optional[str]:
        _say(
            stream, f'{name}: training, {threads} thread(s), '
            f'{shared} trainings at a time')
        start = time.perf_counter()
        error = _run_worker(study, name, False, None, args, env)
        if error is None:
            _say(
                stream, f'{name}: trained in '
                f'{(time.perf_counter() - start) / 60:.1f} min')
        return error

    with ThreadPoolExecutor(max_workers=shared) as pool:
        errors = dict(zip(names, pool.map(train, names)))
    return {name: error for name, error in errors.items() if error}


def _to_train(study: StudySpec, only: Optional[Sequence[str]]) -> List[str]:
    """The methods ``run_study`` would train: not finished, not skipped by
    ``only``, with a config and without a ``checkpoint``."""
    names = []
    for method in study.methods:
        if method.checkpoint or (only and method.name not in only):
            continue
        try:
            if finished_result(study, method.name) is None:
                names.append(method.name)
        except FileNotFoundError:
            pass  # run_study reports it
    return names


def run_study(study: StudySpec,
              only: Optional[Sequence[str]] = None,
              verbose: bool = False,
              stream: IO = sys.stderr,
              train_jobs: int = 1) -> List[MethodResult]:
    """Train (or load), test and time every method not done yet, then
    write the report into ``study.work_dir``.

    Args:
        study (StudySpec): The study.
        only (Sequence[str], optional): Run only these methods (the report
            still shows every finished one).
        verbose (bool): Show the runners' logs instead of progress bars.
        stream (IO): Where progress and messages go.
        train_jobs (int): How many methods train at a time
            (:func:`train_side_by_side`); the tests and timings run one
            method at a time after all trainings, on otherwise idle cores.

    Returns:
        list[MethodResult]: One result per method, in study order: a
        finished method's (its ``result.json``), or a failed one's.
    """
    if train_jobs < 1:
        raise ValueError(f'train_jobs must be >= 1, got {train_jobs}')
    os.makedirs(study.work_dir, exist_ok=True)
    prepare_dataset(study, stream)
    failed = {}
    if train_jobs > 1:
        failed = train_side_by_side(study, _to_train(study, only), train_jobs,
                                    stream)
    results = []
    for method in study.methods:
        name = method.name
        try:
            result = finished_result(study, name)
        except FileNotFoundError as error:
            _say(stream, f'{name}: {error}')
            results.append(MethodResult.failed(name, str(error)))
            continue
        if result is not None:
            _say(stream, f'{name}: done before, skipped')
        elif only and name not in only:
            continue
        elif name in failed:
            _say(stream, f'{name}: training failed, {failed[name]}')
            result = MethodResult.failed(name, failed[name].splitlines()[0])
        else:
            start = time.perf_counter()
            error = _run_worker(study, name, verbose, stream)
            if error is None:
                result = _saved_result(study, name)
                _say(
                    stream, f'{name}: done in '
                    f'{(time.perf_counter() - start) / 60:.1f} min')
            else:
                _say(stream, f'{name}: failed, {error}')
                result = MethodResult.failed(name, error.splitlines()[0])
        results.append(result)
    if results:
        write_report(results, study.work_dir)
    return results
