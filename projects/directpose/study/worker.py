"""Run the missing stages of one method of a study (used by
:func:`directpose.study.run_study`, one process a method)::

    python -m directpose.study.worker STUDY --method NAME [--work-dir DIR]
        [--progress-fd FD] [--train-only] [--train-jobs N]
"""
import argparse
import os
import sys

import directpose  # noqa: F401  (mmcv.ops fallback, registries)
from directpose.study.method import MethodRun
from directpose.study.spec import load_study


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('study')
    parser.add_argument('--method', required=True)
    parser.add_argument('--work-dir')
    parser.add_argument(
        '--progress-fd', type=int, help='draw progress bars on this fd')
    parser.add_argument(
        '--train-only',
        action='store_true',
        help='only the training stage (then the other stages alone)')
    parser.add_argument(
        '--train-jobs',
        type=int,
        default=1,
        help='how many trainings, this one included, share the cores')
    args = parser.parse_args(argv)
    progress = None
    if args.progress_fd is not None:
        progress = os.fdopen(args.progress_fd, 'w', buffering=1)
    study = load_study(args.study, args.work_dir)
    run = MethodRun(study, study.method(args.method), progress or sys.stderr,
                    args.train_jobs)
    if args.train_only:
        run.run_training()
    else:
        run.run()


if __name__ == '__main__':
    main()
