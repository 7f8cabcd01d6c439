"""Run the missing stages of one method of a study (used by
:func:`directpose.study.run_study`, one process a method)::

    python -m directpose.study.worker STUDY --method NAME [--work-dir DIR]
        [--progress-fd FD]
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
    args = parser.parse_args(argv)
    progress = None
    if args.progress_fd is not None:
        progress = os.fdopen(args.progress_fd, 'w', buffering=1)
    study = load_study(args.study, args.work_dir)
    MethodRun(study, study.method(args.method), progress or sys.stderr).run()


if __name__ == '__main__':
    main()
