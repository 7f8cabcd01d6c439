"""Compare pose estimation methods: train (or load), test and time each
method of a study under one runner and evaluator, then print and save the
comparison (``results.md``, ``results.csv``, plots) in the study's work
dir. An interrupted study, run again, skips the methods already done.

Example::

    python tools/compare.py configs/studies/synthetic_crowd.py

See ``docs/comparative_study.md``.
"""
import argparse
import sys

import directpose
from directpose.study import load_study, markdown_table, run_study

directpose.install()  # the patches of directpose.patches, logged once


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be 1 or more, got {value}')
    return value


def parse_args():
    parser = argparse.ArgumentParser(
        description='Compare pose estimation methods (a study file)')
    parser.add_argument('study', help='study config file')
    parser.add_argument(
        '--work-dir', help='where results go (default: the study\'s)')
    parser.add_argument(
        '--only',
        nargs='+',
        metavar='METHOD',
        help='run only these methods (the table shows all finished ones)')
    parser.add_argument(
        '--train-jobs',
        type=_at_least_one,
        default=1,
        metavar='N',
        help='train N methods at a time, each with 1/N of the CPU cores '
        '(then test and time them one at a time); on 2 cores, 3 trained '
        'the main job\'s three methods 1.25x as fast as 1 (default: 1)')
    parser.add_argument(
        '--verbose',
        action='store_true',
        help='show the runners\' logs instead of progress bars')
    return parser.parse_args()


def main():
    args = parse_args()
    study = load_study(args.study, args.work_dir)
    results = run_study(
        study,
        only=args.only,
        verbose=args.verbose,
        train_jobs=args.train_jobs)
    print()
    print(markdown_table(results))
    print(f'written to {study.work_dir}/results.md, results.csv, '
          'ap_vs_latency.png, latency_vs_persons.png')
    if any(r.error for r in results):
        sys.exit(1)


if __name__ == '__main__':
    main()
