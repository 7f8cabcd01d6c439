"""Generate a synthetic-coco or synthetic-crowdpose dataset.

Example::

    python tools/dataset/make_synthetic.py --format coco --preset easy

writes ``data/synthetic-coco-easy/{annotations/{train,val}.json,train,val}``
(see ``docs/synthetic_data.md``). A complete dataset is left as it is
unless ``--force`` is given.
"""
import argparse
import os.path as osp
import time

from directpose.datasets.synthetic import (SYNTHETIC_PRESETS,
                                           make_synthetic_dataset)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Generate a synthetic multi-person keypoint dataset')
    parser.add_argument(
        '--preset', choices=sorted(SYNTHETIC_PRESETS), default='easy')
    parser.add_argument(
        '--format', choices=('coco', 'crowdpose'), default='coco')
    parser.add_argument(
        '--out',
        help='output folder (default: '
        'data/synthetic-<format>-<preset>)')
    parser.add_argument(
        '--num-train', type=int, help='training images (default: preset)')
    parser.add_argument(
        '--num-val', type=int, help='validation images (default: preset)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--force',
        action='store_true',
        help='regenerate even if a complete dataset exists')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    out = args.out or osp.join('data',
                               f'synthetic-{args.format}-{args.preset}')
    start = time.perf_counter()
    summary = make_synthetic_dataset(
        out,
        preset=args.preset,
        fmt=args.format,
        num_train=args.num_train,
        num_val=args.num_val,
        seed=args.seed,
        force=args.force)
    seconds = time.perf_counter() - start
    if summary['generated']:
        print(f'synthetic-{args.format} ({args.preset}): wrote {out} '
              f'in {seconds:.1f} s')
    else:
        print(f'{out} is complete and was left untouched '
              '(--force regenerates it)')
    for split in ('train', 'val'):
        print(f'  {split}: {summary[f"num_{split}_images"]} images, '
              f'{summary[f"num_{split}_persons"]} persons '
              f'({summary[f"{split}_ann"]})')


if __name__ == '__main__':
    main()
