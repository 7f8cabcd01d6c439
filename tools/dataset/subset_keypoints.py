"""Cut a COCO-style keypoint dataset down to some of its keypoints, e.g. to
train and test on another keypoint set (docs/custom_keypoints.md).

Example (synthetic-coco with 5 keypoints)::

    python tools/dataset/subset_keypoints.py \\
        data/synthetic-coco-easy/annotations/train.json \\
        data/synthetic-coco-easy/annotations/val.json \\
        --metainfo configs/_base_/datasets/coco.py \\
        --keypoints nose left_shoulder right_shoulder left_hip right_hip \\
        --out-dir data/synthetic-coco5/annotations --name coco5

writes ``train.json``, ``val.json`` and the metainfo file ``coco5.py`` into
``--out-dir``; the images stay where they are.
"""
import argparse

import directpose
from directpose.datasets import make_keypoint_subset

directpose.install()  # the patches of directpose.patches, logged once


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Keep a subset of the keypoints of a dataset')
    parser.add_argument('ann_files', nargs='+', help='COCO-style json files')
    parser.add_argument(
        '--metainfo',
        required=True,
        help="the dataset's metainfo file, e.g. configs/_base_/datasets/"
        'coco.py (mmpose resolves it)')
    parser.add_argument(
        '--keypoints', nargs='+', required=True, help='names to keep')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument(
        '--name', required=True, help='the new dataset name (metainfo file)')
    return parser.parse_args()


def main():
    args = parse_args()
    written = make_keypoint_subset(args.ann_files, args.metainfo,
                                   args.keypoints, args.out_dir, args.name)
    for src, out in written.items():
        print(f'{src} -> {out}')


if __name__ == '__main__':
    main()
