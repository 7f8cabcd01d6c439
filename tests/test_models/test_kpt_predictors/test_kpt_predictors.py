"""The keypoint predictors share one interface (forward, loss, decode,
mirror) and are named by the head's config."""
import pytest
import torch
from conftest import SMALL_DCC
from mmengine.structures import InstanceData
from mmpose.registry import MODELS

from directpose.models.kpt_predictors import (ConvRegressionPredictor,
                                              DCCPredictor, KPAlignPredictor)

GN = dict(type='GN', num_groups=8)
STRIDES = (8, 16, 32)
FLIP = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]


def build(cfg, num_keypoints=17):
    predictor = MODELS.build(
        dict(
            cfg,
            num_keypoints=num_keypoints,
            in_channels=32,
            feat_channels=32,
            stacked_convs=2,
            strides=STRIDES,
            norm_cfg=GN))
    predictor.init_weights()
    return predictor


def levels(batch=2, size=64):
    torch.manual_seed(0)
    feats = [torch.randn(batch, 32, size // s, size // s) for s in STRIDES]
    points = []
    for s in STRIDES:
        n = size // s
        ys, xs = torch.meshgrid(
            torch.arange(n), torch.arange(n), indexing='ij')
        points.append(
            torch.stack([xs, ys], -1).reshape(-1, 2).float() * s + s / 2)
    return feats, points


PREDICTORS = {
    'conv':
    dict(type='ConvRegressionPredictor'),
    'kpalign':
    dict(type='KPAlignPredictor'),
    'kpalign-coco':
    dict(
        type='KPAlignPredictor',
        groups='coco',
        separate_features=True,
        group_channels=8),
    'dcc':
    dict(type='DCCPredictor', dcc=dict(type='DCC', **SMALL_DCC)),
}


@pytest.mark.parametrize('name', PREDICTORS)
def test_one_interface(name):
    predictor = build(PREDICTORS[name])
    feats, points = levels()
    outputs, towers = predictor(feats, points)
    assert [t.shape[1] for t in towers] == [predictor.out_channels] * 3
    # one output vector per location; P positives are its rows
    flat = [o.flatten(-2).movedim(-1, 1) for o in outputs]
    preds = torch.cat(flat, 1)[0, :5]
    pts = torch.cat(points)[:5]
    strides = torch.full((5, ), 8.0)
    boxes = torch.cat([pts - 20, pts + 20], -1)
    keypoints = pts[:, None] + torch.randn(5, 17, 2) * 5
    targets = dict(
        keypoints=keypoints,
        kpt_weights=torch.ones(5, 17),
        centerness=torch.ones(5),
        areas=torch.full((5, ), 1600.0))
    losses = predictor.loss(preds, targets, pts, strides, boxes)
    assert set(losses) == {'loss_kpt'}
    assert torch.isfinite(losses['loss_kpt'])
    sum(losses.values()).backward()
    decoded = predictor.decode(preds.detach(), pts, strides, boxes)
    assert decoded.shape == (5, 17, 2) and torch.isfinite(decoded).all()
    assert predictor.needs_boxes == (name == 'dcc')


@pytest.mark.parametrize('cls', [ConvRegressionPredictor, KPAlignPredictor])
def test_regression_encodes_and_decodes_keypoints(cls):
    points = torch.tensor([[4.0, 4.0], [24.0, 40.0]])
    strides = torch.tensor([8.0, 16.0])
    keypoints = torch.tensor([[[0.0, 8.0]] * 17, [[56.0, 8.0]] * 17])
    offsets = cls.encode(keypoints, points, strides)
    torch.testing.assert_close(offsets[0, 0], torch.tensor([-0.5, 0.5]))
    torch.testing.assert_close(offsets[1, 0], torch.tensor([2.0, -2.0]))
    predictor = build(dict(type=cls.__name__))
    torch.testing.assert_close(
        predictor.decode(offsets, points, strides), keypoints)


def test_regression_mirror_maps_mirrored_offsets_back():
    predictor = build(PREDICTORS['kpalign'])
    feats, points = levels(batch=1)
    with torch.no_grad():
        outputs, _ = predictor(feats, points)
    # the keypoints a location predicts, seen from its mirror location
    mirrored = [(o * torch.tensor([-1.0, 1.0])[:, None, None]).flip(-1)[:,
                                                                        FLIP]
                for o in outputs]
    for a, b in zip(predictor.mirror(mirrored, FLIP), outputs):
        torch.testing.assert_close(a, b)


def test_dcc_has_no_flip_test():
    predictor = build(PREDICTORS['dcc'])
    with pytest.raises(NotImplementedError, match='flip_test=False'):
        predictor.mirror([], FLIP)


def test_kpalign_group_presets_and_any_keypoint_count():
    coco = build(dict(type='KPAlignPredictor', groups='coco'))
    assert len(coco.kpalign.groups) == 9
    crowd = build(dict(type='KPAlignPredictor', groups='crowdpose'), 14)
    assert sorted(k for g in crowd.kpalign.groups
                  for k in g) == list(range(14))
    five = build(dict(type='KPAlignPredictor'), 5)  # one group each
    outputs, _ = five(*levels())
    assert outputs[0].shape[1:3] == (5, 2)
    with pytest.raises(ValueError, match="unknown groups 'mpii'"):
        build(dict(type='KPAlignPredictor', groups='mpii'))
    with pytest.raises(ValueError, match='exactly once'):
        build(dict(type='KPAlignPredictor', groups='coco'), 14)


def test_dcc_decodes_inside_the_padded_boxes():
    predictor = build(PREDICTORS['dcc'])
    assert isinstance(predictor, DCCPredictor)
    pts = torch.tensor([[50.0, 60.0], [10.0, 10.0]])
    boxes = torch.tensor([[30.0, 20.0, 70.0, 100.0], [0.0, 0.0, 20.0, 20.0]])
    width = predictor.dcc.in_channels  # of the pose vectors
    preds = torch.randn(2, width)
    predictor.eval()
    kpts = predictor.decode(preds, pts, torch.full((2, ), 8.0), boxes)
    cs = predictor.padded_cs(boxes)
    lo, hi = cs[:, :2] - cs[:, 2:] / 2, cs[:, :2] + cs[:, 2:] / 2
    assert ((kpts >= lo[:, None] - 1e-4) & (kpts <= hi[:, None] + 1e-4)).all()
    empty = InstanceData(points=torch.zeros(0, 2))
    assert predictor.decode(
        torch.zeros(0, width), empty.points, torch.zeros(0),
        torch.zeros(0, 4)).shape == (0, 17, 2)
