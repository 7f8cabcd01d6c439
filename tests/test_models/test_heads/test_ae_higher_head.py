"""AEHigherResolutionHead: HigherHRNet outputs, losses with and without
SWAHR's scale maps, and prediction with flip test."""
import numpy as np
import pytest
import torch
from mmpose.datasets.transforms import (BottomupGetHeatmapMask, GenerateTarget,
                                        PackPoseInputs)
from mmpose.registry import MODELS

K, C, SIZE = 3, 8, 32  # keypoints, feature channels, input size
CODEC = dict(
    type='MultiResolutionAssociativeEmbedding',
    input_size=(SIZE, SIZE),
    heatmap_size=(SIZE // 4, SIZE // 4),
    higher_heatmap_sizes=[(SIZE // 2, SIZE // 2)],
    sigma=1,
    decode_keypoint_order=[0, 1, 2],
    decode_keypoint_thr=0.05)


def build_head(**kwargs):
    cfg = dict(
        type='AEHigherResolutionHead',
        in_channels=C,
        num_keypoints=K,
        higher_channels=6,
        num_basic_blocks=1,
        tag_loss=dict(type='AssociativeEmbeddingLoss', loss_weight=1e-3),
        decoder=dict(CODEC, heatmap_size=(SIZE, SIZE)))
    cfg.update(kwargs)
    head = MODELS.build(cfg)
    head.init_weights()
    return head


def swahr_head(**loss_kwargs):
    return build_head(
        scale_branch=dict(type='ScaleMapBranch'),
        keypoint_loss=dict(type='AdaptiveHeatmapLoss', **loss_kwargs))


def data_samples(num_images=2, seed=0, codec=CODEC):
    """Packed samples with targets at 1/4 and 1/2, made by the pipeline."""
    rng = np.random.default_rng(seed)
    transforms = [
        GenerateTarget(encoder=codec),
        BottomupGetHeatmapMask(),
        PackPoseInputs(
            meta_keys=('flip_indices', 'img_shape', 'input_size',
                       'input_center', 'input_scale'))
    ]
    samples = []
    for _ in range(num_images):
        results = dict(
            img=np.zeros((SIZE, SIZE, 3), np.uint8),
            img_shape=(SIZE, SIZE),
            input_size=(SIZE, SIZE),
            warp_mat=np.eye(2, 3, dtype=np.float32),
            input_center=np.array([SIZE / 2, SIZE / 2]),
            input_scale=np.array([SIZE, SIZE]),
            flip_indices=[0, 2, 1],
            keypoints=rng.uniform(2, SIZE - 2, (2, K, 2)).astype(np.float32),
            keypoints_visible=np.ones((2, K), np.float32))
        for t in transforms:
            results = t(results)
        samples.append(results['data_samples'])
    return samples


def feats(batch=2, seed=0):
    torch.manual_seed(seed)
    return (torch.rand(batch, C, SIZE // 4, SIZE // 4), )


def test_forward_stages_shapes_and_test_time_aggregation():
    head = build_head()
    heatmaps, tags, stage_feats = head.forward_stages(feats())
    assert [tuple(h.shape) for h in heatmaps] == [(2, K, 8, 8), (2, K, 16, 16)]
    assert tuple(tags.shape) == (2, K, 8, 8)
    assert [f.shape[1] for f in stage_feats] == [C, 6]
    agg_heatmaps, agg_tags = head.forward(feats())
    assert tuple(agg_heatmaps.shape) == tuple(agg_tags.shape) == (2, K, 16, 16)
    upsampled = torch.nn.functional.interpolate(
        heatmaps[0], size=(16, 16), mode='bilinear', align_corners=False)
    torch.testing.assert_close(agg_heatmaps, (upsampled + heatmaps[1]) / 2)


def test_cat_output_feeds_the_low_resolution_outputs_to_the_deconv():
    deconv = build_head().higher_layers[0][0]
    assert deconv.in_channels == C + 2 * K
    deconv = build_head(cat_output=False).higher_layers[0][0]
    assert deconv.in_channels == C


def test_scale_branches_output_zeros_after_init_weights():
    head = swahr_head()
    _, _, stage_feats = head.forward_stages(feats())
    for branch, x in zip(head.scale_branches, stage_feats):
        assert torch.count_nonzero(branch(x)) == 0


def test_swahr_loss_starts_from_the_plain_gaussian_target():
    """At initialisation S = 0: SAHR without WAHR equals the plain MSE."""
    samples = data_samples()
    plain = build_head()
    sahr = swahr_head(use_wahr=False)
    sahr.load_state_dict(plain.state_dict(), strict=False)
    plain_losses = plain.loss(feats(), samples)
    sahr_losses = sahr.loss(feats(), samples)
    assert set(plain_losses) == {
        'loss_kpt', 'loss_kpt_higher', 'loss_pull', 'loss_push'
    }
    for key, value in plain_losses.items():
        torch.testing.assert_close(sahr_losses[key], value)


def test_loss_backpropagates_into_the_scale_branches():
    head = swahr_head()
    losses = head.loss(feats(), data_samples())
    sum(losses.values()).backward()
    for branch in head.scale_branches:
        assert branch.depthwise.weight.grad.abs().sum() > 0
    assert all(torch.isfinite(v) for v in losses.values())


def test_ae_loss_is_averaged_over_images():
    head = build_head()
    one = head.loss(feats(1), data_samples(1))
    two = head.loss((feats(1)[0].repeat(2, 1, 1, 1), ), data_samples(1) * 2)
    for key in ('loss_pull', 'loss_push'):
        torch.testing.assert_close(one[key], two[key])
    assert one['loss_push'] > 0


def test_loss_explains_missing_multi_resolution_targets():
    samples = data_samples(1, codec=dict(CODEC, higher_heatmap_sizes=[]))
    with pytest.raises(ValueError, match='higher_heatmap_sizes'):
        build_head().loss(feats(1), samples)


@pytest.mark.parametrize('flip_test', [False, True])
def test_predict_decodes_instances_in_input_space(flip_test):
    head = build_head()
    samples = data_samples(1)
    test_cfg = dict(flip_test=flip_test, restore_heatmap_size=True)
    x = feats(1)
    preds = head.predict([x, x] if flip_test else x, samples, test_cfg)
    assert len(preds) == 1
    keypoints = preds[0].keypoints
    assert keypoints.ndim == 3 and keypoints.shape[1:] == (K, 2)
    assert len(preds[0].keypoint_scores) == len(keypoints)


def test_udp_decoding_aligns_corners_when_resizing():
    # UDP decoding resizes with the corners aligned
    head = build_head(
        decoder=dict(CODEC, heatmap_size=(SIZE, SIZE), use_udp=True))
    assert head.align_corners and not build_head().align_corners
    with pytest.raises(ValueError, match='align_corners must be True'):
        head.predict(feats(1), data_samples(1), dict(align_corners=False))
    heatmaps, _, _ = head.forward_stages(feats())
    upsampled = torch.nn.functional.interpolate(
        heatmaps[0], size=(16, 16), mode='bilinear', align_corners=True)
    torch.testing.assert_close(head(feats())[0], (upsampled + heatmaps[1]) / 2)


def test_multiscale_predict_averages_the_scales_and_keeps_input_tags():
    head = build_head()
    samples = data_samples(1)
    x, x_small = feats(1), (torch.rand(1, C, SIZE // 8, SIZE // 8), )
    test_cfg = dict(
        multiscale_test=True, restore_heatmap_size=True, output_heatmaps=True)
    preds, fields = head.predict([x, x_small], samples, test_cfg)
    assert preds[0].keypoints.shape[1:] == (K, 2)

    def restored(outputs):
        return torch.nn.functional.interpolate(
            outputs, size=(SIZE, SIZE), mode='bilinear', align_corners=False)

    heatmaps, tags = head(x)
    expected = (restored(heatmaps) + restored(head(x_small)[0])) / 2
    torch.testing.assert_close(fields[0].heatmaps, expected[0])
    torch.testing.assert_close(fields[0].tags, restored(tags)[0])


@pytest.mark.parametrize('flip_test', [False, True])
@pytest.mark.parametrize('use_udp', [False, True])
@pytest.mark.parametrize('size', [None, (SIZE, SIZE), (SIZE + 8, SIZE - 4)])
def test_predict_maps_are_mmposes_aggregation(flip_test, use_udp, size):
    """mmpose's ``aggregate_heatmaps`` resizes each map, then averages or
    concatenates; the head averages the flips' heatmaps, then resizes the
    mean (equal up to float rounding; exactly without flips) and resizes
    the concatenated tags (bit for bit); also over scales."""
    from mmpose.models.utils.tta import aggregate_heatmaps
    head = build_head(
        decoder=dict(CODEC, heatmap_size=(SIZE, SIZE), use_udp=use_udp))
    test_cfg = dict(flip_test=flip_test, align_corners=use_udp)
    x, x_small = feats(2), (torch.rand(2, C, SIZE // 8, SIZE // 8), )
    for scales, multiscale in (([x], False), ([x, x_small], True)):
        inputs = [[s, s] if flip_test else s for s in scales]
        cfg = dict(test_cfg, multiscale_test=multiscale)
        with torch.no_grad():
            heatmaps, tags = head.predict_maps(
                inputs if multiscale else inputs[0], cfg, [0, 2, 1], size)
            per_scale = [
                head._predict_one_scale(s, [0, 2, 1], cfg) for s in inputs
            ]
        expected_tags = aggregate_heatmaps(per_scale[0][1], size, use_udp,
                                           'concat')
        expected = aggregate_heatmaps([
            aggregate_heatmaps(h, size, use_udp, 'average')
            for h, _ in per_scale
        ], None, use_udp, 'average')
        if flip_test and size is not None:
            torch.testing.assert_close(heatmaps, expected, rtol=0, atol=1e-6)
        else:
            assert torch.equal(heatmaps, expected)
        assert torch.equal(tags, expected_tags)
        assert tags.shape[1] == K * (2 if flip_test else 1)


def test_averaging_the_flips_before_resizing_decodes_the_same_persons():
    """SWAHR's decoding (UDP, 2x resizing with the corners aligned) of the
    Gaussian heatmaps of 4 persons and of their slightly different flips:
    the mean of the flips resized and mmpose's mean of the resized flips
    are 1e-6 apart and give the same persons, keypoints and scores."""
    from mmpose.codecs import AssociativeEmbedding
    from mmpose.models.utils.tta import aggregate_heatmaps

    from directpose.models.heads.ae_higher_head import (average_maps,
                                                        resize_maps)
    low, high, num = 24, 48, 4
    codec = MODELS.build(
        dict(
            type='AEHigherResolutionHead',
            in_channels=C,
            num_keypoints=17,
            decoder=dict(
                type='MultiResolutionAssociativeEmbedding',
                input_size=(high * 2, high * 2),
                heatmap_size=(high, high),
                sigma=2,
                use_udp=True,
                decode_keypoint_order=list(range(17)),
                decode_topk=30,
                decode_max_instances=30))).decoder
    rng = np.random.default_rng(0)
    # person p in the stripe x in [6p + 2, 6p + 4] of the heatmaps
    keypoints = rng.uniform(2, 22, (num, 17, 2))
    keypoints[..., 0] = 2 + keypoints[..., 0] / 10
    keypoints[..., 0] += 6 * np.arange(num)[:, None]
    encoder = AssociativeEmbedding(
        input_size=(low, low), heatmap_size=(low, low), sigma=1, use_udp=True)
    heatmaps = encoder.encode(keypoints)['heatmaps']
    stripes = np.arange(low) // 6 * 2.5  # a person's tag per stripe
    flips = [
        torch.as_tensor(
            heatmaps + rng.uniform(0, 0.02, heatmaps.shape),
            dtype=torch.float32)[None] for _ in range(2)
    ]
    tags = [
        torch.as_tensor(
            np.broadcast_to(stripes, (17, low, low)) +
            rng.normal(0, 0.05, (17, low, low)),
            dtype=torch.float32)[None] for _ in range(2)
    ]
    size = (high, high)
    ours = resize_maps(average_maps(flips), size, True)
    theirs = aggregate_heatmaps(flips, size, True, 'average')
    assert 0 < (ours - theirs).abs().max() < 1e-6
    tag_maps = resize_maps(torch.cat(tags, 1), size, True)
    got = codec.batch_decode(ours, tag_maps.clone())
    expected = codec.batch_decode(theirs, tag_maps.clone())
    assert len(got[0][0]) == num
    for got_part, expected_part in zip(got, expected):
        np.testing.assert_allclose(
            got_part[0], expected_part[0], rtol=0, atol=1e-4)
