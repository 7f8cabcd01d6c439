"""The same AP on the synthetic val set with ONNX Runtime as with PyTorch:
each backend's predictions of the config's test set go through the
config's test evaluator (mmpose's CocoMetric), as in tools/test.py."""
import os.path as osp

import pytest
import torch
from conftest import (TINY_DIRECTPOSE, TINY_RTMO, save_initial_weights,
                      spread_weights)
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.evaluator import Evaluator
from mmpose.registry import DATASETS

from directpose.apis import OnnxPoseModel, init_model
from directpose.deploy import export_onnx


def test_set_ap(model, cfg):
    """The AP of ``model`` on ``cfg``'s test set with its test
    evaluator."""
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    evaluator = Evaluator(cfg.test_evaluator)
    evaluator.dataset_meta = dataset.metainfo
    for start in range(0, len(dataset), 2):
        batch = pseudo_collate(
            [dataset[i] for i in range(start, min(start + 2, len(dataset)))])
        with torch.no_grad():
            evaluator.process(model.test_step(batch), batch)
    return evaluator.evaluate(len(dataset))['coco/AP']


test_set_ap.__test__ = False  # a helper, not a test


@pytest.mark.slow
@pytest.mark.parametrize(
    'method', ['rtmo', 'swahr', 'directpose-kpalign', 'directpose-dcc'])
def test_same_ap_as_pytorch(method, request, repo_root, synthetic_coco,
                            tmp_path):
    options = {}
    if method == 'swahr':
        config, checkpoint = request.getfixturevalue('trained_swahr')
    elif method == 'rtmo':  # its initial weights find persons, a few dozen
        # iterations none
        config = TINY_RTMO
        checkpoint = save_initial_weights(repo_root, config,
                                          tmp_path / 'rtmo.pth')
    else:  # initial weights with spread keypoints and boxes, found above a
        # threshold below their scores
        config = TINY_DIRECTPOSE[method.split('-')[1]]
        checkpoint = spread_weights(repo_root, config, tmp_path / 'dp.pth')
        options = {'model.test_cfg.score_thr': 0.005}
    config = osp.join(repo_root, config)
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(options)
    cfg.test_dataloader.dataset.data_root = synthetic_coco
    cfg.test_evaluator.ann_file = osp.join(synthetic_coco, 'annotations',
                                           'val.json')
    out = export_onnx(
        config,
        checkpoint,
        str(tmp_path / 'model.onnx'),
        dynamic_batch=True,
        cfg_options=options)
    ap_pytorch = test_set_ap(init_model(cfg, checkpoint, device='cpu'), cfg)
    ap_onnx = test_set_ap(OnnxPoseModel(out, device='cpu'), cfg)
    assert abs(ap_onnx - ap_pytorch) <= 0.002, (ap_pytorch, ap_onnx)
