"""RTMO exported end to end: the graph's layout, the same persons as the
PyTorch model (mmpose's RTMOHead and our RTMODCCHead), and rtmlib running
the file as it runs the official exports."""
import glob
import os.path as osp

import cv2
import numpy as np
import onnx
import pytest
from conftest import TINY_RTMO, assert_same_predictions, save_initial_weights
from mmengine.config import Config

from directpose.apis import OnnxPoseModel, inference_images, init_model
from directpose.deploy import export_onnx
from directpose.deploy.config_json import config_from_json

RTMO_DCC_256 = 'configs/rtmo/rtmo-tiny_1xb8-30e_synthetic-coco-256x256.py'


def val_images(root, num=4):
    return sorted(glob.glob(osp.join(root, 'val', '*.jpg')))[:num]


@pytest.fixture(scope='module')
def exported(tmp_path_factory, repo_root):
    """The tiny 128x128 RTMO (initial weights, which find persons), its
    checkpoint and its export with a free batch size."""
    tmp = tmp_path_factory.mktemp('rtmo_onnx')
    config = osp.join(repo_root, TINY_RTMO)
    checkpoint = save_initial_weights(repo_root, TINY_RTMO, tmp / 'rtmo.pth')
    out = export_onnx(
        config, checkpoint, str(tmp / 'rtmo.onnx'), dynamic_batch=True)
    return config, checkpoint, out


def test_graph_layout(exported):
    _, _, out = exported
    model = onnx.load(out)
    ops = {node.op_type for node in model.graph.node}
    assert 'NonMaxSuppression' in ops
    dims = {
        v.name:
        [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
        for v in (*model.graph.input, *model.graph.output)
    }
    assert dims == {
        'input': ['batch', 3, 128, 128],
        'dets': ['batch', 'persons', 5],
        'keypoints': ['batch', 'persons', 17, 3],
    }
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta['directpose.decoding'] == 'instances'
    # mmpose's RTMOHead is exported through RTMODCCHead
    assert meta['directpose.head'] == 'RTMODCCHead'
    cfg = config_from_json(meta['directpose.config'])
    assert cfg.model.head.type == 'RTMODCCHead'
    assert cfg.model.test_cfg.input_size == (128, 128)  # a tuple again


def test_same_persons_as_pytorch(exported, synthetic_coco):
    config, checkpoint, out = exported
    images = val_images(synthetic_coco)
    expected = inference_images(
        init_model(config, checkpoint, device='cpu'), images, batch_size=1)
    assert sum(len(s.pred_instances) for s in expected) > 0
    ort_model = OnnxPoseModel(out, device='cpu')
    # a batch pads the images with fewer persons: same answers
    assert_same_predictions(expected, inference_images(ort_model, images, 4))
    assert_same_predictions(expected, inference_images(ort_model, images, 1))


@pytest.mark.parametrize('score_thr', [0.005, 0.1])
def test_rtmo_dcc_head_config(score_thr, tmp_path, repo_root, synthetic_coco):
    config = osp.join(repo_root, RTMO_DCC_256)
    cfg = Config.fromfile(config)
    assert cfg.model.head.type == 'RTMODCCHead'
    checkpoint = save_initial_weights(repo_root, RTMO_DCC_256,
                                      tmp_path / 'rtmo_dcc.pth')
    # initial weights score every location about 0.01: persons above
    # 0.005, none above 0.1 (the config's threshold)
    options = {'model.test_cfg.score_thr': score_thr}
    out = export_onnx(
        config,
        checkpoint,
        str(tmp_path / 'dcc.onnx'),
        dynamic_batch=True,
        cfg_options=options)
    images = val_images(synthetic_coco, 2)
    cfg.merge_from_dict(options)
    expected = inference_images(
        init_model(cfg, checkpoint, device='cpu'), images, 1)
    found = sum(len(s.pred_instances) for s in expected)
    assert (found > 0) == (score_thr < 0.01)
    assert_same_predictions(expected,
                            inference_images(OnnxPoseModel(out), images, 2))


def test_rtmlib_runs_the_export(exported, synthetic_coco, tmp_path):
    from rtmlib import RTMO
    config, checkpoint, _ = exported
    # rtmlib's models take one image: the default export (batch 1)
    out = export_onnx(config, checkpoint, str(tmp_path / 'b1.onnx'))
    cfg = Config.fromfile(config)
    model = init_model(cfg, checkpoint, device='cpu')
    image_file = val_images(synthetic_coco, 1)[0]
    image = cv2.imread(image_file)  # BGR, as rtmlib takes it
    assert image.shape[:2] == (128, 128)  # the model's input: no resizing
    expected = inference_images(model, [image_file])[0].pred_instances
    assert len(expected) > 0
    # rtmlib's own NMS (IoU <= 1 always passes) and score threshold (the
    # graph's) keep every person of the graph
    rtmo = RTMO(
        onnx_model=out,
        model_input_size=(128, 128),
        score_thr=cfg.model.test_cfg.score_thr,
        nms_thr=1.0,
        backend='onnxruntime',
        device='cpu')
    keypoints, scores = rtmo(image)
    np.testing.assert_allclose(keypoints, expected.keypoints, atol=1e-2)
    np.testing.assert_allclose(scores, expected.keypoint_scores, atol=1e-4)
