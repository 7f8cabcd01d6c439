"""Running a study: each method in its own process, then the report."""
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import IO, List, Optional, Sequence

from directpose.datasets.synthetic import make_synthetic_dataset
from .method import method_config, method_keys
from .report import write_report
from .result import MethodResult
from .spec import StudySpec


def _say(stream: IO, text: str) -> None:
    print(text, file=stream, flush=True)


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


def _run_worker(study: StudySpec, name: str, verbose: bool,
                stream: IO) -> Optional[str]:
    """Run method ``name`` in a fresh Python process (clean logging and
    memory figures, a crash stays its own); returns an error or None."""
    log = osp.join(study.work_dir, name, 'study.log')
    os.makedirs(osp.dirname(log), exist_ok=True)
    cmd = [
        sys.executable, '-m', 'directpose.study.worker', study.path,
        '--work-dir', study.work_dir, '--method', name
    ]
    progress = None
    if not verbose:  # the worker's bars go to `stream`, the rest to `log`
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
                **output)
    finally:
        if progress is not None:
            os.close(progress)
    if code == 0:
        return None
    return f'exit code {code}; see {log}:\n{_tail(log)}'


def run_study(study: StudySpec,
              only: Optional[Sequence[str]] = None,
              verbose: bool = False,
              stream: IO = sys.stderr) -> List[MethodResult]:
    """Train (or load), test and time every method not done yet, then
    write the report into ``study.work_dir``.

    Args:
        study (StudySpec): The study.
        only (Sequence[str], optional): Run only these methods (the report
            still shows every finished one).
        verbose (bool): Show the runners' logs instead of progress bars.
        stream (IO): Where progress and messages go.

    Returns:
        list[MethodResult]: One result per method, in study order: a
        finished method's (its ``result.json``), or a failed one's.
    """
    os.makedirs(study.work_dir, exist_ok=True)
    prepare_dataset(study, stream)
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
