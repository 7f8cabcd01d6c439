r"""Check every method on a device: training (fp32 and mixed precision) and
evaluation of the tiny synthetic configs, with the fp32 losses compared
with the CPU's; training speed and memory of the full-size COCO configs;
inference latency at batch 1 and 8 in fp32 and fp16.

Writes ``device_check.json`` and ``device_check.md`` into ``--out-dir``
after every item, so that a run cut short leaves what it measured. Exit
code 0 when every check passed and nothing failed. See ``docs/gpu.md`` for
what is measured and how to read it.

Examples::

    # CPU, a minute or two: the code paths with the tiny configs (CI runs it)
    python tools/device_check.py --device cpu --quick --out-dir /tmp/dc

    # the accelerator machine (see docs/gpu.md): about 4 minutes
    python tools/device_check.py --device cuda --out-dir $OUT

On the accelerator machine of this workplace (docs/gpu.md), from the
repository root, with ``.whl`` (made by ``bash tools/device_wheels.sh``)
carried (timeout 420 s)::

    python3 -m pip install -q --no-index --no-deps --no-compile \
        --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
      && export PYTHONPATH=/tmp/site:$PWD/projects PYTHONUNBUFFERED=1 \
      && set -o pipefail && python3 tools/device_check.py --device cuda \
        --out-dir $OUT --work-dir /tmp/dc 2>&1 | tee $OUT/log.txt
"""
import argparse
import os
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Train, evaluate and time every method on a device')
    parser.add_argument('--device', choices=('cuda', 'cpu'), default='cuda')
    parser.add_argument(
        '--quick',
        action='store_true',
        help='a few iterations of the tiny configs only (a CPU test)')
    parser.add_argument(
        '--out-dir', required=True, help='where device_check.json/.md go')
    parser.add_argument(
        '--work-dir',
        help='data, logs and scratch files (default: <out-dir>/work)')
    parser.add_argument(
        '--sections',
        nargs='+',
        choices=('tiny', 'full_size', 'inference'),
        help='run only these sections')
    parser.add_argument(
        '--methods',
        nargs='+',
        choices=('DirectPose', 'DirectPose-DCC', 'RTMO', 'SWAHR'),
        help='tiny configs to train (default: all)')
    parser.add_argument('--tiny-iters', type=int)
    parser.add_argument('--amp-iters', type=int)
    parser.add_argument('--reference-iters', type=int)
    parser.add_argument('--full-warmup', type=int)
    parser.add_argument('--full-iters', type=int)
    parser.add_argument(
        '--full-batch',
        type=int,
        help='per-GPU batch of the full-size configs (default: theirs)')
    parser.add_argument('--infer-warmup', type=int)
    parser.add_argument('--infer-runs', type=int)
    parser.add_argument(
        '--batch-sizes', type=int, nargs='+', help='inference batch sizes')
    parser.add_argument(
        '--precisions',
        nargs='+',
        choices=('fp32', 'fp16'),
        help='inference precisions')
    parser.add_argument(
        '--candidates',
        type=int,
        help='candidates per image into NMS when timing inference')
    parser.add_argument(
        '--budget-s',
        type=float,
        help='skip what no longer fits in this many seconds (0: no limit)')
    parser.add_argument('--seed', type=int)
    parser.add_argument(
        '--cpu-reference', metavar='JSON',
        help=argparse.SUPPRESS)  # internal: the CPU reference process
    parser.add_argument('--data-root', help=argparse.SUPPRESS)
    parser.add_argument('--threads', type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.device == 'cpu' or args.cpu_reference:
        os.environ['CUDA_VISIBLE_DEVICES'] = ''  # mmengine picks CUDA if seen
    import directpose  # noqa: F401  (mmcv.ops fallback, registries)
    from directpose.benchmark.device_check import (CheckSettings, DeviceCheck,
                                                   run_cpu_reference)
    settings = CheckSettings.create(
        'cpu' if args.cpu_reference else args.device,
        args.quick,
        sections=tuple(args.sections) if args.sections else None,
        methods=tuple(args.methods) if args.methods else None,
        tiny_iters=args.tiny_iters,
        amp_iters=args.amp_iters,
        reference_iters=args.reference_iters,
        full_warmup=args.full_warmup,
        full_iters=args.full_iters,
        full_batch=args.full_batch,
        infer_warmup=args.infer_warmup,
        infer_runs=args.infer_runs,
        batch_sizes=tuple(args.batch_sizes) if args.batch_sizes else None,
        precisions=tuple(args.precisions) if args.precisions else None,
        candidates=args.candidates,
        budget_s=args.budget_s,
        seed=args.seed,
        reference_threads=args.threads)
    if args.cpu_reference:
        run_cpu_reference(ROOT, settings, args.data_root, args.cpu_reference)
        return 0
    if settings.device == 'cuda':
        import torch
        if not torch.cuda.is_available():
            print('--device cuda: no CUDA device is visible', file=sys.stderr)
            return 2
    work_dir = args.work_dir or osp.join(args.out_dir, 'work')

    def reference_cmd(out_json: str) -> list:
        """This script as the CPU reference process, same settings."""
        cmd = [
            sys.executable,
            osp.abspath(__file__), '--device', 'cpu', '--out-dir',
            args.out_dir, '--cpu-reference', out_json, '--data-root',
            check.data['easy'], '--threads',
            str(settings.reference_threads), '--reference-iters',
            str(settings.reference_iters), '--seed',
            str(settings.seed), '--methods', *settings.methods
        ]
        return cmd + (['--quick'] if settings.quick else [])

    check = DeviceCheck(settings, ROOT, args.out_dir, work_dir, reference_cmd)
    return check.run()


if __name__ == '__main__':
    sys.exit(main())
