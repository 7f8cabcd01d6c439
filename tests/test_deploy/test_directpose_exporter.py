"""DirectPose exported end to end (KPAlign, DCC and plain-convolution
keypoints): the graph's layout, the same persons as the PyTorch model for
batches of any size, and the options the export refuses."""
import glob
import os
import os.path as osp

import onnx
import pytest
from conftest import (TINY_DIRECTPOSE, assert_same_predictions,
                      save_initial_weights, spread_weights)
from mmengine.config import Config

from directpose.apis import OnnxPoseModel, inference_images, init_model
from directpose.deploy import ExportError, export_onnx

#: initial weights score every location about 0.01 (the person classifier's
#: prior): persons above 0.005, none above the configs' 0.05
OPTIONS = {'model.test_cfg.score_thr': 0.005}


def val_images(root, num=4):
    return sorted(glob.glob(osp.join(root, 'val', '*.jpg')))[:num]


@pytest.fixture(scope='module', params=sorted(TINY_DIRECTPOSE))
def exported(request, tmp_path_factory, repo_root):
    """(variant, config, checkpoint, export with a free batch size)."""
    tmp = tmp_path_factory.mktemp(f'directpose_{request.param}')
    config = osp.join(repo_root, TINY_DIRECTPOSE[request.param])
    checkpoint = spread_weights(repo_root, config, tmp / 'model.pth')
    out = export_onnx(
        config,
        checkpoint,
        str(tmp / 'model.onnx'),
        dynamic_batch=True,
        cfg_options=OPTIONS)
    return request.param, config, checkpoint, out


@pytest.fixture(scope='module')
def kpalign(tmp_path_factory, repo_root):
    """The tiny KPAlign config and a checkpoint of its initial weights."""
    config = osp.join(repo_root, TINY_DIRECTPOSE['kpalign'])
    path = tmp_path_factory.mktemp('kpalign') / 'model.pth'
    return config, save_initial_weights(repo_root, config, path)


def pytorch_model(config, checkpoint, options=OPTIONS):
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(options)
    return init_model(cfg, checkpoint, device='cpu')


def test_graph_layout(exported):
    variant, config, _, out = exported
    model = onnx.load(out)
    ops = {node.op_type for node in model.graph.node}
    assert 'NonMaxSuppression' in ops
    assert ('GridSample' in ops) == (variant == 'kpalign')
    size = Config.fromfile(config).input_size
    dims = {
        v.name:
        [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
        for v in (*model.graph.input, *model.graph.output)
    }
    assert dims == {
        'input': ['batch', 3, size[1], size[0]],
        'dets': ['batch', 'persons', 5],
        'keypoints': ['batch', 'persons', 17, 3],
    }
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta['directpose.decoding'] == 'instances'
    assert meta['directpose.head'] == 'DirectPoseHead'


def test_same_persons_as_pytorch(exported, synthetic_coco):
    _, config, checkpoint, out = exported
    images = val_images(synthetic_coco)
    expected = inference_images(
        pytorch_model(config, checkpoint), images, batch_size=1)
    found = [len(s.pred_instances) for s in expected]
    assert min(found) > 0
    ort_model = OnnxPoseModel(out, device='cpu')
    # batches pad the images with fewer persons: same answers
    assert_same_predictions(expected, inference_images(ort_model, images, 4))
    assert_same_predictions(expected, inference_images(ort_model, images, 3))
    assert_same_predictions(expected, inference_images(ort_model, images, 1))


def test_nms_keeps_different_numbers(synthetic_coco, repo_root, tmp_path):
    """With KPAlign's spread keypoints, NMS suppresses: fewer persons than
    ``max_per_img``, not as many in every image (rows of a batch padded),
    and a graph of batch size 1 fed a batch."""
    config = osp.join(repo_root, TINY_DIRECTPOSE['kpalign'])
    checkpoint = spread_weights(repo_root, config, tmp_path / 'model.pth')
    out = export_onnx(
        config, checkpoint, str(tmp_path / 'b1.onnx'), cfg_options=OPTIONS)
    images = val_images(synthetic_coco)
    expected = inference_images(
        pytorch_model(config, checkpoint), images, batch_size=1)
    found = [len(s.pred_instances) for s in expected]
    max_per_img = Config.fromfile(config).model.test_cfg.max_per_img
    assert 0 < min(found) and max(found) < max_per_img
    assert len(set(found)) > 1, found
    assert_same_predictions(
        expected,
        inference_images(OnnxPoseModel(out, device='cpu'), images, 4))


def test_no_person_found(kpalign, synthetic_coco, tmp_path):
    """At the config's threshold, initial weights find nobody: one row of
    score 0 in the graph, no person after decoding."""
    config, checkpoint = kpalign
    out = export_onnx(
        config, checkpoint, str(tmp_path / 'm.onnx'), dynamic_batch=True)
    images = val_images(synthetic_coco, 2)
    expected = inference_images(
        pytorch_model(config, checkpoint, {}), images, batch_size=1)
    assert all(len(s.pred_instances) == 0 for s in expected)
    assert_same_predictions(
        expected,
        inference_images(OnnxPoseModel(out, device='cpu'), images, 2))


@pytest.mark.parametrize('option, value, message', [
    ('multiscale_test', True, 'model.test_cfg.multiscale_test=True'),
    ('nms', dict(type='oks'), "model.test_cfg.nms.type='oks'"),
])
def test_options_the_graph_cannot_follow(option, value, message, kpalign,
                                         tmp_path):
    options = {f'model.test_cfg.{option}': value}
    with pytest.raises(ExportError, match=message.replace('.', r'\.')):
        export_onnx(*kpalign, str(tmp_path / 'x.onnx'), cfg_options=options)
    assert os.listdir(tmp_path) == []


def test_flip_test_in_the_graph(synthetic_coco, repo_root, tmp_path):
    """KPAlign's flip test: the images and their mirrors in one batch of
    the network, averaged as the head averages them; the DCC, which has no
    flip test, is refused by name."""
    options = {**OPTIONS, 'model.test_cfg.flip_test': True}
    config = osp.join(repo_root, TINY_DIRECTPOSE['kpalign'])
    checkpoint = spread_weights(repo_root, config, tmp_path / 'model.pth')
    out = export_onnx(
        config,
        checkpoint,
        str(tmp_path / 'flip.onnx'),
        dynamic_batch=True,
        cfg_options=options)
    images = val_images(synthetic_coco, 3)
    expected = inference_images(
        pytorch_model(config, checkpoint, options), images, batch_size=1)
    assert min(len(s.pred_instances) for s in expected) > 0
    assert_same_predictions(
        expected,
        inference_images(OnnxPoseModel(out, device='cpu'), images, 3))
    dcc = osp.join(repo_root, TINY_DIRECTPOSE['dcc'])
    with pytest.raises(
            ExportError,
            match=r'model\.test_cfg\.flip_test=True: DCCPredictor has no '
            'flip test'):
        export_onnx(
            dcc,
            save_initial_weights(repo_root, dcc, tmp_path / 'dcc.pth'),
            str(tmp_path / 'dcc.onnx'),
            cfg_options=options)
    assert not (tmp_path / 'dcc.onnx').exists()


@pytest.mark.parametrize('size', [(96, 96), (128, 192)])
def test_wrong_input_size_is_named(size, kpalign, tmp_path):
    with pytest.raises(ExportError) as error:
        export_onnx(*kpalign, str(tmp_path / 'x.onnx'), input_size=size)
    assert f'input size {size}' in str(error.value)
    assert 'multiples of 128' in str(error.value)
    assert os.listdir(tmp_path) == []


def test_opset_below_grid_sample_is_refused(kpalign, tmp_path):
    with pytest.raises(
            ExportError,
            match="opset 15: expected 16 or more for the operators of "
            "DirectPoseExporter's graph"):
        export_onnx(*kpalign, str(tmp_path / 'x.onnx'), opset=15)
    assert os.listdir(tmp_path) == []


def test_short_side_resize_is_letterboxed(kpalign, synthetic_coco, tmp_path):
    """A test pipeline that resizes by the shorter side (the full-size
    configs') has no fixed size: the export asks for one, and
    OnnxPoseModel letterboxes the images into it, as PyTorch predicts with
    that letterbox, mapped back to the same image pixels."""
    config, checkpoint = kpalign
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(OPTIONS)
    pipeline = cfg.test_dataloader.dataset.pipeline
    pipeline[1] = dict(
        type='BottomupShortSideResize',
        short_side=128,
        max_long_side=256,
        size_factor=128)
    out = str(tmp_path / 'wide.onnx')
    with pytest.raises(ExportError, match='no input size'):
        export_onnx(cfg, checkpoint, out)
    assert os.listdir(tmp_path) == []
    export_onnx(cfg, checkpoint, out, input_size=(256, 128))
    ort_model = OnnxPoseModel(out, device='cpu')
    letterbox = ort_model.cfg.test_dataloader.dataset.pipeline[1]
    assert letterbox == dict(
        type='BottomupResize', input_size=(256, 128), size_factor=128)
    images = val_images(synthetic_coco, 2)  # 128x128: padded left and right
    expected = inference_images(
        init_model(ort_model.cfg, checkpoint, device='cpu'), images, 1)
    assert min(len(s.pred_instances) for s in expected) > 0
    assert_same_predictions(expected, inference_images(ort_model, images, 2))
