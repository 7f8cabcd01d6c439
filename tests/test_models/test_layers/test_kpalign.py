import numpy as np
import pytest
import torch
from mmdet.models.task_modules.prior_generators import MlvlPointGenerator

from directpose.models.layers import KPAlign
from directpose.models.layers.kpalign import (COCO_KPALIGN_GROUPS,
                                              CROWDPOSE_KPALIGN_GROUPS)

STRIDES = (8, 16, 32)


def build(**kwargs):
    cfg = dict(
        num_keypoints=17,
        in_channels=32,
        strides=STRIDES,
        norm_cfg=dict(type='GN', num_groups=8))
    cfg.update(kwargs)
    module = KPAlign(**cfg)
    module.init_weights()
    return module


def inputs(module, size=64, batch=2):
    torch.manual_seed(0)
    feats = [
        torch.randn(batch, module.tower_channels, size // s, size // s)
        for s in STRIDES
    ]
    points = MlvlPointGenerator(
        STRIDES, offset=0.5).grid_priors([f.shape[-2:] for f in feats],
                                         device='cpu')
    return feats, points


@pytest.mark.parametrize('kwargs, num_groups, tower_channels', [
    (dict(), 17, 32),
    (dict(groups=COCO_KPALIGN_GROUPS), 9, 32),
    (dict(
        groups=COCO_KPALIGN_GROUPS, separate_features=True,
        group_channels=8), 9, 72),
])
def test_shapes_and_gradients(kwargs, num_groups, tower_channels):
    module = build(**kwargs)
    assert len(module.groups) == num_groups
    assert module.tower_channels == tower_channels
    feats, points = inputs(module)
    feats = [f.requires_grad_() for f in feats]
    offsets = module(feats, points)
    assert [o.shape for o in offsets] == [(2, 17, 2, 8, 8), (2, 17, 2, 4, 4),
                                          (2, 17, 2, 2, 2)]
    sum(o.square().sum() for o in offsets).backward()
    for name, param in module.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name
    assert all(f.grad.abs().sum() > 0 for f in feats)


def bilinear(feature, x, y):
    """Zero-padded bilinear read of a (C, H, W) map at continuous pixel
    coordinates (pixel centres at integers)."""
    c, h, w = feature.shape
    x0, y0 = int(np.floor(x)), int(np.floor(y))
    value = np.zeros(c)
    for yy in (y0, y0 + 1):
        for xx in (x0, x0 + 1):
            weight = (1 - abs(x - xx)) * (1 - abs(y - yy))
            if 0 <= xx < w and 0 <= yy < h:
                value += weight * feature[:, yy, xx]
    return value


@pytest.mark.parametrize('separate', [False, True])
def test_sampled_features_are_bilinear_reads_at_the_located_points(separate):
    module = build(
        groups=COCO_KPALIGN_GROUPS,
        separate_features=separate,
        group_channels=8)
    feats, points = inputs(module, size=64, batch=1)
    level, src = 1, 0  # P4 locations read P3 features
    torch.manual_seed(1)
    anchors = torch.randn(1, 9, 2, 4, 4) * 1.5  # in P4 strides
    sampler_feat = torch.randn(1, module.tower_channels, 8, 8)
    sampled = module.sample(sampler_feat, anchors, points[level],
                            STRIDES[level], STRIDES[src])
    assert sampled.shape == (1, 9, module.sample_channels, 4, 4)
    grid = points[level].view(4, 4, 2)
    for g in range(9):
        channels = slice(g * 8, g * 8 + 8) if separate else slice(None)
        feature = sampler_feat[0, channels].numpy()
        for i in range(4):
            for j in range(4):
                x, y = (grid[i, j] + anchors[0, g, :, i, j] * STRIDES[level])
                # input pixel -> P3 pixel (centres at (k + 0.5) * 8)
                expected = bilinear(feature,
                                    x.item() / 8 - 0.5,
                                    y.item() / 8 - 0.5)
                np.testing.assert_allclose(
                    sampled[0, g, :, i, j].numpy(), expected, atol=1e-5)


def test_keypoints_are_the_located_point_plus_scaled_refinement():
    module = build(groups=COCO_KPALIGN_GROUPS)
    for p in module.predictors:
        torch.nn.init.zeros_(p.weight)
        torch.nn.init.constant_(p.bias, 1.0)
    anchors = torch.randn(1, 9, 2, 3, 3)
    sampled = torch.randn(1, 9, module.sample_channels, 3, 3)
    kpts = module.predict(sampled, anchors, ratio=0.5)
    for g, group in enumerate(COCO_KPALIGN_GROUPS):
        for k in group:  # every keypoint of the group, in COCO order
            torch.testing.assert_close(kpts[:, k], anchors[:, g] + 0.5)


def test_groups_must_cover_every_keypoint_once():
    with pytest.raises(ValueError, match='exactly once'):
        build(groups=COCO_KPALIGN_GROUPS[:-1])
    with pytest.raises(ValueError, match='exactly once'):
        build(num_keypoints=14, groups=COCO_KPALIGN_GROUPS)
    assert len(
        build(num_keypoints=14, groups=CROWDPOSE_KPALIGN_GROUPS).groups) == 9


@pytest.mark.parametrize('separate', [False, True])
def test_low_precision_features_are_sampled_at_float32_points(separate):
    """Under autocast the tower features may be bfloat16/fp16 while the
    locations are float32: sampling promotes to float32 (as CUDA's
    autocast does for grid_sample) and reads the same values."""
    kwargs = dict(groups=COCO_KPALIGN_GROUPS, separate_features=separate)
    if separate:
        kwargs['group_channels'] = 8
    module = build(**kwargs)
    feats, points = inputs(module)
    feat = module.sampler(feats[0]).detach()
    anchors = torch.randn(2, 9, 2, 8, 8) * 0.5
    full = module.sample(feat, anchors, points[0], 8, 8)
    low = module.sample(feat.bfloat16(), anchors.bfloat16(), points[0], 8, 8)
    assert low.dtype == torch.float32
    # the features were rounded to bfloat16, the points were not
    torch.testing.assert_close(low, full, rtol=2e-2, atol=2e-2)
