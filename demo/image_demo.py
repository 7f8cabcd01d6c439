"""Predict the poses in one image and draw them (skeletons and person scores)
with mmpose's PoseLocalVisualizer. Works for every bottom-up config here
(DirectPose, RTMO, SWAHR/HigherHRNet).

    python demo/image_demo.py CONFIG CHECKPOINT IMAGE [--out-file OUT]

CONFIG may be a model-zoo name; CHECKPOINT a file, a URL or a model-zoo name
(downloaded into the checkpoint cache first).
"""
import argparse
import os.path as osp

import directpose  # first: it installs the mmcv.ops stand-in

# isort: split
import mmcv
from mmpose.apis import inference_bottomup

from directpose.apis import draw_predictions, image_files, init_model
from directpose.engine import CheckpointMismatchError

directpose.install()  # the patches of directpose.patches, logged once


def parse_args():
    parser = argparse.ArgumentParser(
        description='Draw the predicted poses of an image')
    parser.add_argument('config', help='config file or model-zoo name')
    parser.add_argument(
        'checkpoint', help='checkpoint file, URL or model-zoo name')
    parser.add_argument('image', help='image file')
    parser.add_argument(
        '--out-file',
        help='where to write the drawn image (default: vis_<image name> in '
        'the current folder)')
    parser.add_argument(
        '--device', help="e.g. 'cpu' or 'cuda:0' (default: cuda:0 if any)")
    parser.add_argument(
        '--kpt-thr',
        type=float,
        default=0.3,
        help='keypoints scored below this are not drawn')
    parser.add_argument('--radius', type=int, default=3)
    parser.add_argument('--thickness', type=int, default=1)
    parser.add_argument(
        '--draw-bbox', action='store_true', help='also draw the boxes')
    parser.add_argument(
        '--allow-partial-load',
        action='store_true',
        help='use the checkpoint even if its weights do not fit the model '
        '(a warning instead of an error; see docs/robustness.md)')
    return parser.parse_args()


def main():
    args = parse_args()
    try:
        images = image_files(args.image)
    except (FileNotFoundError, ValueError) as exc:
        raise SystemExit(f'error: {exc}')
    if images != [args.image]:
        raise SystemExit(f'error: {args.image} is a folder: give one image')
    try:
        model = init_model(
            args.config,
            args.checkpoint,
            device=args.device,
            allow_partial_load=args.allow_partial_load)
    except CheckpointMismatchError as exc:
        raise SystemExit(f'error: {exc}')
    sample = inference_bottomup(model, args.image)[0]
    image = mmcv.imread(args.image, channel_order='rgb')
    drawn = draw_predictions(
        model,
        image,
        sample,
        kpt_thr=args.kpt_thr,
        radius=args.radius,
        thickness=args.thickness,
        draw_bbox=args.draw_bbox)
    out_file = args.out_file or f'vis_{osp.basename(args.image)}'
    mmcv.imwrite(mmcv.rgb2bgr(drawn), out_file)
    num = len(sample.pred_instances)
    print(f'{num} person(s) predicted; drawn into {out_file}')


if __name__ == '__main__':
    main()
