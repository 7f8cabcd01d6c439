"""Test (and evaluate) a pose model (mmpose's tools/test.py command line)."""
import argparse
import os

from mmengine.hooks import Hook

import directpose
from directpose.engine import (add_cfg_options_argument, build_runner,
                               check_checkpoint_fits, exit_if_distributed,
                               load_config)
from directpose.utils import write_json_atomic

directpose.install()  # the patches of directpose.patches, logged once


def parse_args():
    parser = argparse.ArgumentParser(description='Test a pose model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where logs and results go')
    parser.add_argument('--out', help='write the metrics to this JSON file')
    parser.add_argument(
        '--dump', help='dump the predictions to this .pkl file')
    add_cfg_options_argument(parser)
    parser.add_argument(
        '--allow-partial-load',
        action='store_true',
        help='test even if the checkpoint\'s weights do not fit the model '
        '(a warning instead of an error; see docs/robustness.md)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


class _SaveMetrics(Hook):

    def __init__(self, path):
        self.path = path

    def after_test_epoch(self, runner, metrics=None):
        if metrics is not None and runner.rank == 0:
            write_json_atomic(metrics, self.path)


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options, args.work_dir,
                      args.launcher)
    cfg.load_from = args.checkpoint
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise SystemExit(f'--dump {args.dump}: expected a .pkl file')
        dump = dict(type='DumpResults', out_file_path=args.dump)
        evaluators = cfg.test_evaluator
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        cfg.test_evaluator = [*evaluators, dump]
    runner = build_runner(cfg, phase='test')
    check_checkpoint_fits(runner.model, args.checkpoint,
                          args.allow_partial_load)
    if args.out:
        runner.register_hook(_SaveMetrics(args.out), 'LOWEST')
    runner.test()
    exit_if_distributed()


if __name__ == '__main__':
    main()
