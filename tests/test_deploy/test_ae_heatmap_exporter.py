"""HigherHRNet/SWAHR exported to heatmaps and tags: the maps of the PyTorch
model's own test step (flip test, restored size), also for image sizes
other than the traced one; one network for all four variants (no scale-map
branch in the graph); the same persons after grouping (trained tiny
SWAHR)."""
import glob
import os.path as osp

import cv2
import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from conftest import assert_same_predictions, save_initial_weights
from mmengine.config import Config

from directpose.apis import (OnnxPoseModel, collate_images, inference_images,
                             init_model)
from directpose.deploy import export_onnx

VARIANTS = {
    name:
    f'configs/swahr/{name}_higherhrnet-tiny_1xb16-80e_synthetic-coco-'
    '128x128.py'
    for name in ('swahr', 'sahr', 'wahr', 'ae')
}


def images_of_two_sizes(root):
    """A 128x128 val image, and the same stretched to 200x128, which the
    test pipeline (resize_mode 'expand') makes a 224x128 input."""
    square = cv2.imread(sorted(glob.glob(osp.join(root, 'val', '*.jpg')))[0])
    return [square, cv2.resize(square, (200, 128))]


# SAHR's network is SWAHR's, plain HigherHRNet's is WAHR's (only their
# losses differ)
@pytest.mark.parametrize('name', ['swahr', 'wahr'])
def test_maps_of_the_pytorch_test_step(name, repo_root, synthetic_coco,
                                       tmp_path):
    config = osp.join(repo_root, VARIANTS[name])
    cfg = Config.fromfile(config)
    checkpoint = save_initial_weights(repo_root, VARIANTS[name],
                                      tmp_path / f'{name}.pth')
    out = export_onnx(
        config, checkpoint, str(tmp_path / f'{name}.onnx'), dynamic_batch=True)
    session = ort.InferenceSession(out)

    # the PyTorch model's test step returns the maps it groups (as they
    # are when nobody is found: DARK-UDP refinement blurs them in place)
    cfg.model.test_cfg.output_heatmaps = True
    reference = init_model(cfg, checkpoint, device='cpu')
    sizes = []
    for image in images_of_two_sizes(synthetic_coco):
        batch = collate_images(reference, [image, image[:, ::-1].copy()])
        with torch.no_grad():
            samples = reference.test_step(batch)
        inputs = torch.stack(batch['inputs']).float().numpy()
        sizes.append(inputs.shape[2:])
        heatmaps, tags, scores, _, locs = session.run(None, {'input': inputs})
        assert locs.dtype == np.int64 and scores.shape == (2, 17, 30)
        for i, sample in enumerate(samples):
            assert len(sample.pred_instances) == 0
            expected = sample.pred_fields
            scale = expected.heatmaps.abs().max().item()
            np.testing.assert_allclose(
                heatmaps[i], expected.heatmaps, atol=1e-4 * scale)
            # the candidates' scores (their places may swap where two
            # are equal to 1e-7)
            expected_scores = reference.head.decoder.get_candidates(
                expected.heatmaps[None], expected.tags[None])[0]
            np.testing.assert_allclose(
                scores[i], expected_scores[0], atol=1e-4 * scale)
            scale = expected.tags.abs().max().item()
            np.testing.assert_allclose(
                tags[i], expected.tags, atol=1e-4 * scale)
    assert sizes == [(128, 128), (128, 224)]  # traced at 128x128


def test_every_variant_exports_the_same_network(repo_root, tmp_path):
    """SWAHR and SAHR have scale-map branches, WAHR and HigherHRNet do not;
    the branches serve the training loss only, so all four graphs are the
    same network."""
    graphs = {}
    for name, config in VARIANTS.items():
        checkpoint = save_initial_weights(repo_root, config,
                                          tmp_path / f'{name}.pth')
        out = export_onnx(
            osp.join(repo_root, config), checkpoint,
            str(tmp_path / f'{name}.onnx'))
        graph = onnx.load(out).graph
        assert [o.name for o in graph.output] == [
            'heatmaps', 'tags', 'candidate_scores', 'candidate_tags',
            'candidate_locs'
        ]
        graphs[name] = [node.op_type for node in graph.node]
    assert graphs['swahr'] == graphs['sahr'] == graphs['wahr'] == \
        graphs['ae']
    assert graphs['swahr'].count('Conv') > 50


@pytest.mark.slow
def test_same_persons_as_pytorch(trained_swahr, repo_root, synthetic_coco,
                                 tmp_path):
    config, checkpoint = trained_swahr
    config = osp.join(repo_root, config)
    out = export_onnx(
        config, checkpoint, str(tmp_path / 'swahr.onnx'), dynamic_batch=True)
    images = sorted(glob.glob(osp.join(synthetic_coco, 'val', '*.jpg')))
    images += images_of_two_sizes(synthetic_coco)[1:]
    expected = inference_images(
        init_model(config, checkpoint, device='cpu'), images, batch_size=1)
    assert sum(len(s.pred_instances) for s in expected) > 0
    ort_model = OnnxPoseModel(out, device='cpu')
    assert_same_predictions(expected, inference_images(ort_model, images, 1))
    # the same size in a batch: as PyTorch batches it
    assert_same_predictions(expected[:4],
                            inference_images(ort_model, images[:4], 4))
