"""Keypoint results files: a COCO test-dev submission, or a test set's results
evaluated locally (COCO val2017, CrowdPose test, synthetic sets).

    # COCO test-dev: results JSON + the zip for the evaluation server
    python tools/submit.py CONFIG CHECKPOINT \
        --image-list data/coco/annotations/image_info_test-dev2017.json \
        --img-dir data/coco/test2017/
    # the config's test set (it has annotations): results JSON + metrics
    python tools/submit.py CONFIG CHECKPOINT --split eval
    # check the evaluation set-up with the ground truth as predictions (-> 1)
    python tools/submit.py CONFIG --split eval --ground-truth

CHECKPOINT is a file, a URL or a model-zoo name. The results are checked
(image ids, category 1, K*3 finite keypoint values, finite scores, at most 20
persons per image after keeping the best-scored) before the file is written,
atomically. See docs/submission.md.
"""
import argparse
import json
import os.path as osp
import re
import sys
import tempfile

import directpose  # first: it installs the mmcv.ops stand-in

# isort: split
from mmpose.apis.inference import dataset_meta_from_config

from directpose.apis import resolve_checkpoint
from directpose.engine import (add_cfg_options_argument, build_runner,
                               check_checkpoint_fits, load_config)
from directpose.evaluation import (KEYPOINT_MAX_DETS, SubmissionError,
                                   annotations_as_results,
                                   evaluate_keypoint_results, keep_top_scored,
                                   load_image_ids, results_file_name,
                                   write_results_file, write_submission)
from directpose.utils import write_json_atomic

directpose.install()  # the patches of directpose.patches, logged once


def parse_args():
    parser = argparse.ArgumentParser(
        description='Write (and check, zip or evaluate) keypoint results')
    parser.add_argument('config', help='test config file path')
    parser.add_argument(
        'checkpoint',
        nargs='?',
        help='checkpoint file, URL or model-zoo name (not with '
        '--ground-truth)')
    parser.add_argument(
        '--split',
        choices=['test-dev', 'eval'],
        default='test-dev',
        help='test-dev: predict the images of --image-list and zip the '
        'results for the COCO server; eval: predict the config\'s test set '
        'and evaluate the results file locally')
    parser.add_argument(
        '--image-list',
        default='data/coco/annotations/image_info_test-dev2017.json',
        help='test-dev image list (COCO image-info JSON)')
    parser.add_argument(
        '--img-dir',
        default='data/coco/test2017/',
        help='folder of the test-dev images')
    parser.add_argument(
        '--name',
        help='the algorithm name in the file name (default: the '
        'config name)')
    parser.add_argument(
        '--out-dir', default='work_dirs/submissions', help='output folder')
    parser.add_argument(
        '--out', help='eval: also write the metrics to this JSON file')
    parser.add_argument(
        '--ground-truth',
        action='store_true',
        help='eval: use the annotations as predictions (checks the set-up; '
        'every AP is 1)')
    parser.add_argument(
        '--max-dets',
        type=int,
        default=KEYPOINT_MAX_DETS,
        help='persons kept per image, best-scored first')
    parser.add_argument(
        '--allow-partial-load',
        action='store_true',
        help='predict even if the checkpoint\'s weights do not fit the '
        'model (a warning instead of an error; see docs/robustness.md)')
    parser.add_argument('--work-dir', help='where the test run logs go')
    add_cfg_options_argument(parser)
    args = parser.parse_args()
    if args.ground_truth and args.split != 'eval':
        parser.error('--ground-truth needs --split eval (test-dev has no '
                     'annotations)')
    if not args.ground_truth and not args.checkpoint:
        parser.error('give a CHECKPOINT (or --split eval --ground-truth)')
    return args


def keypoint_evaluator(cfg) -> dict:
    """The config's CocoMetric test evaluator."""
    evaluators = cfg.test_evaluator
    if not isinstance(evaluators, (list, tuple)):
        evaluators = [evaluators]
    for evaluator in evaluators:
        if evaluator.get('type') == 'CocoMetric':
            return dict(evaluator)
    sys.exit(f'{cfg.filename}: test_evaluator has no CocoMetric')


def test_annotations(cfg, evaluator: dict) -> str:
    """The ground truth the config tests against."""
    if evaluator.get('ann_file'):
        return evaluator['ann_file']
    dataset = cfg.test_dataloader.dataset
    return osp.join(dataset.get('data_root', ''), dataset.ann_file)


def split_name(ann_file: str) -> str:
    """'person_keypoints_val2017.json' -> 'val2017',
    'mmpose_crowdpose_test.json' -> 'crowdpose-test'."""
    name = osp.splitext(osp.basename(ann_file))[0]
    name = re.sub(r'^(person_keypoints_|mmpose_)', '', name)
    return re.sub(r'[^A-Za-z0-9.-]+', '-', name)


def predict(cfg, checkpoint: str, evaluator: dict, ann_file: str,
            allow_partial_load: bool) -> list:
    """Run the config's test loop; its CocoMetric (``format_only``: scores
    and NMS as configured, no evaluation) writes the raw results. A
    checkpoint that does not fit the model is an error unless
    ``allow_partial_load``."""
    with tempfile.TemporaryDirectory() as tmp:
        prefix = osp.join(tmp, 'raw')
        cfg.test_evaluator = dict(
            evaluator,
            ann_file=ann_file,
            format_only=True,
            outfile_prefix=prefix)
        cfg.load_from = resolve_checkpoint(checkpoint)
        runner = build_runner(cfg)
        check_checkpoint_fits(runner.model, cfg.load_from, allow_partial_load)
        runner.test()
        with open(f'{prefix}.keypoints.json') as f:
            return json.load(f)


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options, args.work_dir)
    evaluator = keypoint_evaluator(cfg)
    crowd = evaluator.get('iou_type') == 'keypoints_crowd'
    meta = dataset_meta_from_config(cfg, 'test')
    if args.split == 'test-dev':
        if crowd:
            sys.exit('CrowdPose has no evaluation server: its test '
                     'annotations are public, use --split eval')
        ann_file = osp.abspath(args.image_list)
        split = 'test-dev2017'
        dataset = cfg.test_dataloader.dataset
        dataset.ann_file = ann_file
        dataset.data_prefix = dict(img=osp.abspath(args.img_dir))
    else:
        ann_file = test_annotations(cfg, evaluator)
        split = split_name(ann_file)
    image_ids = load_image_ids(ann_file)

    if args.ground_truth:
        results = annotations_as_results(ann_file)
    else:
        results = predict(cfg, args.checkpoint, evaluator, ann_file,
                          args.allow_partial_load)
    results, dropped = keep_top_scored(results, args.max_dets)
    if dropped:
        print(f'kept the {args.max_dets} best-scored persons per image: '
              f'{dropped} lower-scored ones dropped')
    name = args.name or osp.splitext(osp.basename(args.config))[0]
    path = osp.join(args.out_dir, results_file_name(split, name))
    # test-dev: the JSON and the zip to upload, always a matching pair
    write = write_submission if args.split == 'test-dev' else \
        write_results_file
    try:
        written = write(results, path, image_ids, meta['num_keypoints'],
                        args.max_dets)
    except SubmissionError as exc:
        sys.exit(f'not written: {exc}')
    print(f'{len(results)} persons on {len(image_ids)} images -> {path}')

    if args.split == 'test-dev':
        print(f'upload {written} to the COCO keypoint challenge '
              '(test-dev2017)')
        return
    metrics = evaluate_keypoint_results(
        path,
        ann_file,
        meta['sigmas'],
        iou_type='keypoints_crowd' if crowd else 'keypoints',
        use_area=evaluator.get('use_area', True),
        prefix=evaluator.get('prefix', 'coco'))
    for key, value in metrics.items():
        print(f'{key}: {value:.4f}')
    if args.out:
        write_json_atomic(metrics, args.out, indent=2)


if __name__ == '__main__':
    main()
