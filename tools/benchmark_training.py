"""Benchmark CPU training: images/s of a config with the intra-op threads
fixed to the cores (PyTorch's default: before) and chosen by the thread
policy (CpuThreadsHook: after), alone and beside a busy process that this
tool starts and stops; 1 thread fixed; the policy when load appears in the
middle of training; a channels-last model; the data pipeline's ms per image
and the evaluation's seconds on the test set. Each scenario runs in its own
process; run it on an otherwise quiet machine.

Example (about 4-5 minutes on 2 cores)::

    python tools/benchmark_training.py \\
        configs/rtmo/rtmo-tiny_1xb8-8e_synthetic-coco-crowd-160x160.py \\
        --data-root data/synthetic-coco-crowd --out bench.json
"""
import argparse

from directpose.benchmark.training_speed import (BenchSettings,
                                                 benchmark_training,
                                                 default_scenarios,
                                                 format_table)
from directpose.engine import add_cfg_options_argument
from directpose.utils import write_json_atomic


def parse_args():
    parser = argparse.ArgumentParser(
        description='Training images/s on CPU under thread settings')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--data-root', help='a synthetic dataset to point the config at')
    parser.add_argument(
        '--scenarios',
        nargs='+',
        choices=list(default_scenarios(2)),
        default=list(default_scenarios(2)),
        metavar='SCENARIO',
        help='which to run, of %(choices)s (default: all, in this order)')
    parser.add_argument(
        '--iters', type=int, default=40, help='training iterations measured')
    parser.add_argument(
        '--warmup',
        type=int,
        default=5,
        help='training iterations before the measured ones')
    parser.add_argument(
        '--time-limit',
        type=float,
        default=60,
        help='seconds of training at most per scenario (a collapsed run '
        'is measured on the iterations it reached)')
    parser.add_argument(
        '--pipeline-images',
        type=int,
        default=100,
        help='images the pipeline scenario loads')
    parser.add_argument(
        '--eval-images',
        type=int,
        default=50,
        help='test images the eval scenario evaluates (0: all)')
    parser.add_argument(
        '--checkpoint', help='weights for the eval scenario (default random)')
    parser.add_argument('--out', help='also write the results to this JSON')
    add_cfg_options_argument(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    settings = BenchSettings(
        args.config,
        cfg_options=args.cfg_options,
        data_root=args.data_root,
        iters=args.iters,
        warmup=args.warmup,
        time_limit_s=args.time_limit,
        pipeline_images=args.pipeline_images,
        eval_images=args.eval_images or None,
        checkpoint=args.checkpoint)
    result = benchmark_training(
        settings, args.scenarios, log=lambda line: print(line, flush=True))
    print(format_table(result))
    if args.out:
        write_json_atomic(result, args.out, indent=1)


if __name__ == '__main__':
    main()
