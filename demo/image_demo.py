"""Predict the poses in an image, or in every image of a folder, and draw
them (skeletons and person scores) with mmpose's PoseLocalVisualizer. Works
for every bottom-up config here (DirectPose, RTMO, SWAHR/HigherHRNet), with
PyTorch or, given an ONNX file, with ONNX Runtime.

    python demo/image_demo.py CONFIG CHECKPOINT IMAGE [--out-file OUT]
    python demo/image_demo.py CONFIG CHECKPOINT FOLDER [--out-dir DIR] \\
        [--batch-size N]

CONFIG may be a model-zoo name; CHECKPOINT a file, a URL or a model-zoo name
(downloaded into the checkpoint cache first), or an ONNX file exported by
tools/deploy/export_onnx.py. A folder's images are predicted in batches of
``--batch-size`` with a progress bar; the drawn images (same file names) and
``results.json``, the predictions in COCO's keypoint results format, go to
``--out-dir``.
"""
import argparse
import os.path as osp

import directpose  # first: it installs the mmcv.ops stand-in

# isort: split
import mmcv
from tqdm import tqdm

from directpose.apis import (OnnxPoseModel, draw_predictions, image_files,
                             init_model, iter_inference_batches,
                             resolve_config)
from directpose.engine import CheckpointMismatchError
from directpose.evaluation import write_results_file

directpose.install()  # the patches of directpose.patches, logged once


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Draw the predicted poses of an image or a folder')
    parser.add_argument('config', help='config file or model-zoo name')
    parser.add_argument(
        'checkpoint',
        help='checkpoint file, URL or model-zoo name, or an ONNX file')
    parser.add_argument('input', help='an image file or a folder of images')
    parser.add_argument(
        '--out-file',
        help='an image: where to write the drawn image (default: '
        'vis_<image name> in the current folder)')
    parser.add_argument(
        '--out-dir',
        help='a folder: where the drawn images and results.json go '
        '(default: vis_<folder name> in the current folder)')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=1,
        help='images per batch (a folder)')
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
    return parser.parse_args(argv)


def load_model(args):
    """The PyTorch model, or an OnnxPoseModel for an ``.onnx`` file."""
    if args.checkpoint.endswith('.onnx'):
        return OnnxPoseModel(
            args.checkpoint,
            device=args.device,
            config=resolve_config(args.config))
    return init_model(
        args.config,
        args.checkpoint,
        device=args.device,
        allow_partial_load=args.allow_partial_load)


def image_ids(paths: list) -> list:
    """COCO image ids: the numbers that COCO's file names are
    (000000000139.jpg -> 139) when every name is one, else the position in
    the sorted folder."""
    stems = [osp.splitext(osp.basename(path))[0] for path in paths]
    if all(stem.isdigit() for stem in stems):
        return [int(stem) for stem in stems]
    return list(range(len(paths)))


def coco_results(sample, image_id: int, file_name: str) -> list:
    """A sample's persons as COCO keypoint results (x, y, score per
    keypoint; the person score), with the image's file name."""
    instances = sample.pred_instances
    results = []
    for keypoints, scores, score in zip(instances.keypoints,
                                        instances.keypoint_scores,
                                        instances.bbox_scores):
        triplets = [[float(x), float(y), float(s)]
                    for (x, y), s in zip(keypoints, scores)]
        results.append(
            dict(
                image_id=image_id,
                file_name=file_name,
                category_id=1,
                keypoints=sum(triplets, []),
                score=float(score)))
    return results


def draw(model, args, path: str, sample, out_file: str) -> None:
    image = mmcv.imread(path, channel_order='rgb')
    drawn = draw_predictions(
        model,
        image,
        sample,
        kpt_thr=args.kpt_thr,
        radius=args.radius,
        thickness=args.thickness,
        draw_bbox=args.draw_bbox)
    mmcv.imwrite(mmcv.rgb2bgr(drawn), out_file)


def run_folder(model, args, paths: list) -> None:
    ids = image_ids(paths)
    name = osp.basename(osp.normpath(args.input))
    out_dir = args.out_dir or f'vis_{name}'
    results, done = [], 0
    with tqdm(total=len(paths), desc='images', unit='img') as bar:
        for samples in iter_inference_batches(model, paths, args.batch_size):
            for sample in samples:
                path = paths[done]
                draw(model, args, path, sample,
                     osp.join(out_dir, osp.basename(path)))
                results += coco_results(sample, ids[done], osp.basename(path))
                done += 1
            bar.update(len(samples))
    results_file = osp.join(out_dir, 'results.json')
    write_results_file(
        results,
        results_file,
        image_ids=ids,
        num_keypoints=len(model.dataset_meta['keypoint_id2name']),
        max_dets=None)
    print(f'{len(results)} person(s) predicted in {len(paths)} image(s); '
          f'drawn into {out_dir}, results in {results_file}')


def main(argv=None):
    args = parse_args(argv)
    if args.batch_size < 1:
        raise SystemExit(
            f'--batch-size must be 1 or more, got {args.batch_size}')
    try:  # bad input is named before a model is built
        paths = image_files(args.input)
    except (FileNotFoundError, ValueError) as exc:
        raise SystemExit(f'error: {exc}')
    try:
        model = load_model(args)
    except CheckpointMismatchError as exc:
        raise SystemExit(f'error: {exc}')
    if osp.isdir(args.input):
        run_folder(model, args, paths)
        return
    sample = next(iter_inference_batches(model, [args.input], 1))[0]
    out_file = args.out_file or f'vis_{osp.basename(args.input)}'
    draw(model, args, args.input, sample, out_file)
    num = len(sample.pred_instances)
    print(f'{num} person(s) predicted; drawn into {out_file}')


if __name__ == '__main__':
    main()
