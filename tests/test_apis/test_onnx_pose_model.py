"""OnnxPoseModel: the config from the file, the pipeline adapted to the
graph, batches for a graph of batch size 1, images of different sizes in one
batch padded as PyTorch pads them, and errors that name the problem."""
import glob
import io
import os.path as osp

import cv2
import numpy as np
import onnxruntime as ort
import pytest
import torch
import torch.nn as nn
from conftest import (TINY_RTMO, TINY_SWAHR, assert_same_predictions,
                      save_initial_weights)
from mmengine.config import Config

from directpose.apis import (OnnxPoseModel, collate_images, inference_images,
                             init_model)
from directpose.deploy import export_onnx


@pytest.fixture(scope='module')
def rtmo(tmp_path_factory, repo_root):
    """The tiny RTMO (initial weights) exported at 192x160 (w, h), batch
    size 1."""
    tmp = tmp_path_factory.mktemp('onnx_pose_model')
    config = osp.join(repo_root, TINY_RTMO)
    checkpoint = save_initial_weights(repo_root, TINY_RTMO, tmp / 'rtmo.pth')
    out = export_onnx(
        config, checkpoint, str(tmp / 'rtmo.onnx'), input_size=(192, 160))
    return config, checkpoint, out


def test_config_and_pipeline_come_from_the_file(rtmo):
    _, _, out = rtmo
    model = OnnxPoseModel(out, device='cpu')
    assert model.cfg.model.head.type == 'RTMODCCHead'
    resize = [
        step for step in model.cfg.test_dataloader.dataset.pipeline
        if step['type'] == 'BottomupResize'
    ]
    assert resize[0]['input_size'] == (192, 160)  # the graph's, not 128
    assert model.dataset_meta['num_keypoints'] == 17
    assert model.session.get_providers() == ['CPUExecutionProvider']


def test_batch_size_one_graph_runs_a_batch(rtmo, synthetic_coco):
    config, checkpoint, out = rtmo
    images = sorted(glob.glob(osp.join(synthetic_coco, 'val', '*.jpg')))
    model = OnnxPoseModel(out, device='cpu')
    assert model.batch_size == 1
    # the reference: the PyTorch model with the export's input size
    cfg = Config.fromfile(config)
    for step in cfg.test_dataloader.dataset.pipeline:
        if step['type'] == 'BottomupResize':
            step['input_size'] = (192, 160)
    expected = inference_images(init_model(cfg, checkpoint, 'cpu'), images)
    assert_same_predictions(expected, inference_images(model, images, 3))
    # an image as a file or as an array, alone
    from_file = model(images[0])
    from_array = model(cv2.imread(images[0]))
    assert_same_predictions(from_file, from_array)
    assert_same_predictions(expected[:1], from_file)


def test_images_of_different_sizes_in_one_batch(repo_root, synthetic_coco,
                                                tmp_path):
    config = osp.join(repo_root, TINY_SWAHR)
    checkpoint = save_initial_weights(repo_root, TINY_SWAHR,
                                      tmp_path / 'swahr.pth')
    out = export_onnx(
        config, checkpoint, str(tmp_path / 'swahr.onnx'), dynamic_batch=True)
    model = OnnxPoseModel(out, device='cpu')
    batch = model.stack_inputs([
        torch.full((3, 128, 256), 7, dtype=torch.uint8),
        torch.zeros(3, 128, 128, dtype=torch.uint8)
    ])
    # the smaller image is padded with what normalises to 0 (the mean)
    assert batch.shape == (2, 3, 128, 256)
    assert (batch[1, :, :, 128:] == model.pad_pixel).all()
    assert batch[1, :, :, :128].max() == 0 and (batch[0] == 7).all()

    # the maps equal those of the PyTorch model's padded batch
    square = cv2.imread(
        sorted(glob.glob(osp.join(synthetic_coco, 'val', '*.jpg')))[0])
    images = [cv2.resize(square, (250, 128)), square]  # 256x128, 128x128
    cfg = Config.fromfile(config)
    cfg.model.test_cfg.output_heatmaps = True
    reference = init_model(cfg, checkpoint, device='cpu')
    with torch.no_grad():
        samples = reference.test_step(collate_images(reference, images))
    data = collate_images(model, images)
    heatmaps, tags, *_ = model.run(model.stack_inputs(data['inputs']))
    assert heatmaps.shape == (2, 17, 128, 256)
    for maps, name in zip((heatmaps, tags), ('heatmaps', 'tags')):
        for image_maps, sample in zip(maps, samples):
            expected = getattr(sample.pred_fields, name)
            scale = expected.abs().max().item()
            np.testing.assert_allclose(image_maps, expected, atol=1e-4 * scale)


def test_bad_files_are_named(tmp_path):
    missing = str(tmp_path / 'missing.onnx')
    with pytest.raises(FileNotFoundError, match='missing.onnx'):
        OnnxPoseModel(missing)
    # an ONNX file that this package did not export
    buffer = io.BytesIO()
    torch.onnx.export(
        nn.Conv2d(3, 1, 1),
        torch.rand(1, 3, 8, 8),
        buffer,
        dynamo=False,
        input_names=['input'])
    foreign = tmp_path / 'foreign.onnx'
    foreign.write_bytes(buffer.getvalue())
    with pytest.raises(
            ValueError,
            match='foreign.onnx: expected an export of '
            'directpose.deploy'):
        OnnxPoseModel(str(foreign))


@pytest.mark.skipif(
    'CUDAExecutionProvider' in ort.get_available_providers(),
    reason='onnxruntime has CUDA here')
def test_cuda_without_the_cuda_provider_is_named(rtmo):
    with pytest.raises(RuntimeError, match='no CUDA execution provider'):
        OnnxPoseModel(rtmo[2], device='cuda:0')
    with pytest.raises(ValueError, match="device 'tpu'"):
        OnnxPoseModel(rtmo[2], device='tpu')


def test_input_of_another_size_than_the_graph_is_named(rtmo):
    model = OnnxPoseModel(rtmo[2], device='cpu')
    with pytest.raises(
            ValueError,
            match='images of 128x128 pixels after the '
            'test pipeline, but the graph takes 192x160'):
        model.stack_inputs([torch.zeros(3, 128, 128, dtype=torch.uint8)])
