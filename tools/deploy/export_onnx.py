"""Export a pose model to ONNX, post-processing included where the method
allows it, for ONNX Runtime (``directpose.apis.OnnxPoseModel``) and, for
RTMO, rtmlib.

    python tools/deploy/export_onnx.py CONFIG CHECKPOINT --out FILE \\
        [--input-size W H] [--dynamic-batch] [--opset N] [--cfg-options ...]

RTMO and DirectPose (KPAlign, DCC or plain-conv keypoints): one graph from
the image to ``dets`` (B, N, 5) and ``keypoints`` (B, N, K, 3), NMS
included (mmdeploy's RTMO layout), DirectPose's flip test too; its
multi-scale test, OKS NMS and the DCC's flip test are refused by name.
SWAHR/HigherHRNet: the network to ``heatmaps`` and ``tags``, flip test
included; the grouping runs outside.
A test pipeline that resizes by the shorter side (the full-size DirectPose
configs) needs ``--input-size``; ``OnnxPoseModel`` letterboxes the images
into it. See docs/deployment.md.
"""
import argparse
import sys

import directpose  # noqa: F401  (first: the mmcv.ops fallback)

# isort: split
from mmengine.config import DictAction

from directpose.deploy import ExportError, export_onnx


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Export a pose model to an ONNX file')
    parser.add_argument('config', help='config file or model-zoo name')
    parser.add_argument(
        'checkpoint', help='checkpoint file, URL or model-zoo name')
    parser.add_argument('--out', required=True, help='the ONNX file')
    parser.add_argument(
        '--input-size',
        type=int,
        nargs=2,
        metavar=('W', 'H'),
        help="the graph's input size (default: the test pipeline's)")
    parser.add_argument(
        '--dynamic-batch',
        action='store_true',
        help='leave the batch size free (default: 1)')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, as key=value pairs')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        out = export_onnx(
            args.config,
            args.checkpoint,
            args.out,
            input_size=args.input_size,
            dynamic_batch=args.dynamic_batch,
            opset=args.opset,
            cfg_options=args.cfg_options)
    except (ExportError, FileNotFoundError) as error:
        sys.exit(f'export failed: {error}')
    print(f'exported {args.config} to {out}')


if __name__ == '__main__':
    main()
