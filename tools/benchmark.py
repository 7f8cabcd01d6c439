"""Benchmark a pose model's inference: latency per stage (preprocessing,
backbone, neck, head, post-processing/grouping) on synthetic scenes with
1 to 40 persons, and throughput at batch sizes 1 and 8, with PyTorch
(eager) and/or ONNX Runtime (the model exported on the fly), side by side.

Example::

    python tools/benchmark.py \\
        configs/rtmo/rtmo-tiny_1xb8-30e_synthetic-coco-256x256.py \\
        work_dirs/synthetic_quick/RTMO/epoch_12.pth --persons 1 20 \\
        --backend pytorch onnxruntime

Without a checkpoint the weights are random: the network's times are
right, the post-processing ones (which depend on how many candidates
survive the score threshold) are not. See ``docs/comparative_study.md``.
"""
import argparse
import sys
import warnings

import torch

import directpose
from directpose.benchmark import (BACKENDS, SpeedMeter, benchmark,
                                  format_benchmark)
from directpose.deploy import ExportError
from directpose.engine import add_cfg_options_argument, load_config
from directpose.utils import write_json_atomic

directpose.install()  # the patches of directpose.patches, logged once


def parse_args():
    parser = argparse.ArgumentParser(
        description='Latency breakdown and throughput of a pose model')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint file')
    parser.add_argument(
        '--persons', type=int, nargs='+', default=[1, 5, 10, 20, 40])
    parser.add_argument(
        '--image-size',
        type=int,
        default=256,
        help='side of the synthetic scenes (the test pipeline resizes them)')
    parser.add_argument('--preset', default='standard')
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--runs', type=int, default=20)
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[1, 8])
    parser.add_argument(
        '--throughput-persons',
        type=int,
        default=5,
        help='persons per image of the throughput batches')
    parser.add_argument('--device', default='auto')
    parser.add_argument(
        '--backend',
        nargs='+',
        choices=BACKENDS,
        default=['pytorch'],
        help='time these backends, taking turns on the same scenes')
    parser.add_argument(
        '--threads',
        type=int,
        help='CPU threads of both backends (default: PyTorch\'s, i.e. '
        'OMP_NUM_THREADS or the cores)')
    parser.add_argument('--out', help='also write the numbers to this JSON')
    add_cfg_options_argument(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    warnings.filterwarnings('ignore', category=UserWarning)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    cfg = load_config(args.config, args.cfg_options)
    try:
        meters = {
            backend: SpeedMeter(cfg, args.checkpoint, args.device, backend)
            for backend in dict.fromkeys(args.backend)
        }
    except ExportError as error:
        sys.exit(f'onnxruntime: the model cannot be exported: {error}')
    result = benchmark(meters, args.persons, args.image_size, args.preset,
                       args.warmup, args.runs, args.batch_sizes,
                       args.throughput_persons)
    print(f'{args.config}' + (
        f' ({args.checkpoint})' if args.checkpoint else ' (random weights)'))
    print(format_benchmark(result))
    if args.out:
        write_json_atomic(
            dict(config=args.config, checkpoint=args.checkpoint, **result),
            args.out,
            indent=1)


if __name__ == '__main__':
    main()
