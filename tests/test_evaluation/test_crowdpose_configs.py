"""Every CrowdPose config evaluates in xtcocotools' crowdpose mode and reports
AP, AP50, AP75, AR and AP(E)/AP(M)/AP(H); its evaluator, fed the ground truth
as predictions, scores 1 on the real CrowdPose samples and on
synthetic-crowdpose."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmpose.apis.inference import dataset_meta_from_config
from mmpose.datasets import CrowdPoseDataset
from mmpose.registry import DATASETS, METRICS

from directpose.evaluation import annotations_as_results, results_to_samples

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CROWDPOSE_CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '*', '*crowdpose*.py')))
REPORTED = ('AP', 'AP .5', 'AP .75', 'AR', 'AP(E)', 'AP(M)', 'AP(H)')


def test_crowdpose_configs_were_found():
    methods = {p.split(osp.sep)[1] for p in CROWDPOSE_CONFIGS}
    assert {'directpose', 'rtmo', 'swahr'} <= methods


@pytest.fixture(scope='module')
def configs():
    return {}


def load(path, cache):
    if path not in cache:
        cache[path] = Config.fromfile(osp.join(REPO, path))
    return cache[path]


@pytest.mark.parametrize('path', CROWDPOSE_CONFIGS)
def test_evaluators_use_crowdpose_mode(path, configs):
    cfg = load(path, configs)
    for name in ('val_evaluator', 'test_evaluator'):
        evaluator = cfg[name]
        assert evaluator.type == 'CocoMetric', name
        assert evaluator.iou_type == 'keypoints_crowd', name
        assert evaluator.prefix == 'crowdpose', name
        assert evaluator.use_area is False, name  # no `area` in CrowdPose
    # the evaluator reads the annotations of the set it tests: its own
    # ann_file, or (none given) the test dataset's, which mmpose's datasets
    # hand to CocoMetric
    dataset = cfg.test_dataloader.dataset
    assert issubclass(DATASETS.get(dataset.type), CrowdPoseDataset)
    ann_file = cfg.test_evaluator.get('ann_file')
    if ann_file is not None:
        assert osp.normpath(ann_file) == osp.normpath(
            osp.join(dataset.get('data_root', ''), dataset.ann_file))


@pytest.mark.parametrize('data', ['real', 'synthetic'])
@pytest.mark.parametrize('path', CROWDPOSE_CONFIGS)
def test_ground_truth_scores_1(path, data, configs, tmp_path, request):
    if data == 'real':
        root = request.getfixturevalue('shared_data')
        ann_file = osp.join(root, 'crowdpose/test_crowdpose.json')
    else:
        root = request.getfixturevalue('synthetic_crowdpose')
        ann_file = osp.join(root, 'annotations/val.json')
    cfg = load(path, configs)
    metric = METRICS.build(
        dict(
            cfg.test_evaluator,
            ann_file=ann_file,
            outfile_prefix=str(tmp_path / 'results')))
    metric.dataset_meta = dataset_meta_from_config(cfg, 'test')
    assert metric.dataset_meta['num_keypoints'] == 14
    samples = results_to_samples(annotations_as_results(ann_file), 14)
    metric.process([], samples)
    metrics = metric.evaluate(size=len(samples))

    for key in REPORTED:
        assert f'crowdpose/{key}' in metrics, key
    assert metrics['crowdpose/AP'] == pytest.approx(1.0)
    assert metrics['crowdpose/AR'] == pytest.approx(1.0)
    levels = [metrics[f'crowdpose/AP({c})'] for c in 'EMH']
    # xtcocotools reports -1 for a crowd level with no person in it
    assert all(v == pytest.approx(1.0) or v == -1 for v in levels), levels
    assert any(v == pytest.approx(1.0) for v in levels)
