"""MultiResolutionAssociativeEmbedding: targets at several resolutions with
the AE tag indices packed, and AE grouping of ground-truth maps."""
import numpy as np
import pytest
import torch
from mmpose.datasets.transforms import GenerateTarget, PackPoseInputs
from mmpose.models.utils.tta import aggregate_heatmaps
from mmpose.registry import KEYPOINT_CODECS
from scipy.optimize import linear_sum_assignment

K = 17
ORDER = [0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13, 14, 15, 16]


def build(**kwargs):
    cfg = dict(
        type='MultiResolutionAssociativeEmbedding',
        input_size=(128, 128),
        heatmap_size=(32, 32),
        higher_heatmap_sizes=[(64, 64)],
        sigma=2,
        decode_keypoint_order=ORDER,
        decode_center_shift=0.0)
    cfg.update(kwargs)
    return KEYPOINT_CODECS.build(cfg)


def persons(num=3, seed=0):
    """``num`` persons side by side, keypoints (num, K, 2) in a 128 image."""
    rng = np.random.default_rng(seed)
    centers = np.stack([20 + 42 * np.arange(num), np.full(num, 64)], -1)
    return (centers[:, None] + rng.uniform(-14, 14,
                                           (num, K, 2))).astype(np.float32)


def test_encodes_heatmaps_at_every_resolution_and_tags_at_the_first():
    codec = build()
    keypoints = persons()
    visible = np.ones(keypoints.shape[:2], np.float32)
    visible[1, 5] = 0
    keypoints[2, 3] = (200, 10)  # outside the image
    encoded = codec.encode(keypoints, visible)

    heatmaps = encoded['heatmaps']
    assert [h.shape for h in heatmaps] == [(K, 32, 32), (K, 64, 64)]
    for hm, stride in zip(heatmaps, (4, 2)):
        for n, k in np.ndindex(keypoints.shape[:2]):
            # pixel j of stride s covers [s*j, s*(j+1)) of the input
            x, y = np.floor(keypoints[n, k] / stride).astype(int)
            if visible[n, k] and x < hm.shape[2]:
                assert hm[k, y, x] == 1.0
        assert hm[5].max() == 1.0  # persons 0 and 2 still have keypoint 5

    indices = encoded['keypoint_indices']
    assert indices.shape == (3, K, 2)
    x, y = np.floor(keypoints[0, 0] / 4).astype(int)
    assert tuple(indices[0, 0]) == (y * 32 + x, 1)
    assert indices[1, 5, 1] == 0 and indices[2, 3, 1] == 0
    assert encoded['keypoint_weights'].shape == (3, K)


@pytest.mark.parametrize('use_udp', [False, True])
def test_one_resolution_is_mmposes_codec_in_the_decoding_convention(use_udp):
    """UDP: mmpose's encoding as it is. Otherwise mmpose's encoding of the
    keypoints moved by half a heatmap pixel, so that a keypoint lands in
    the heatmap pixel whose area covers it."""
    codec = build(higher_heatmap_sizes=[], use_udp=use_udp)
    mmpose_codec = KEYPOINT_CODECS.build(
        dict(
            type='AssociativeEmbedding',
            input_size=(128, 128),
            heatmap_size=(32, 32),
            sigma=2,
            use_udp=use_udp))
    keypoints = persons()
    ours = codec.encode(keypoints)
    theirs = mmpose_codec.encode(keypoints if use_udp else keypoints - 2.0)
    assert ours.keys() == theirs.keys()
    for key in ours:
        np.testing.assert_array_equal(ours[key], theirs[key])
    assert 'keypoint_indices' in codec.label_mapping_table


@pytest.mark.parametrize('use_udp', [False, True])
def test_test_time_decoding_of_the_targets_is_unbiased(use_udp):
    """The head's test path on ground-truth maps: the 1/4 heatmaps resized
    to 1/2 and averaged with the 1/2 ones, resized to the input, decoded
    with the settings of the configs (non-UDP: align_corners=False and a
    centre shift of 0.5; UDP: align_corners=True, no shift)."""
    codec = build(use_udp=use_udp)
    decoder = build(
        heatmap_size=(128, 128),
        use_udp=use_udp,
        decode_center_shift=0.0 if use_udp else 0.5)
    rng = np.random.default_rng(0)
    errors = []
    for _ in range(20):
        keypoints = rng.uniform(20, 108, (1, K, 2)).astype(np.float32)
        heatmaps = [
            torch.from_numpy(h)[None]
            for h in codec.encode(keypoints)['heatmaps']
        ]
        heatmaps = aggregate_heatmaps(heatmaps, (64, 64), use_udp, 'average')
        heatmaps = aggregate_heatmaps([heatmaps], (128, 128), use_udp,
                                      'average')
        decoded, _, _ = decoder.batch_decode(heatmaps,
                                             torch.zeros_like(heatmaps))
        errors.append(decoded[0][0] - keypoints[0])
    errors = np.stack(errors)
    assert np.abs(errors.mean(axis=(0, 1))).max() < 0.1  # no bias
    # within the quantisation of the 1/2 heatmaps (2 px), or sub-pixel
    assert np.abs(errors).mean() < (0.1 if use_udp else 0.7)


def test_packed_sample_has_multilevel_targets_and_keypoint_indices():
    results = dict(
        img=np.zeros((128, 128, 3), np.uint8),
        keypoints=persons(),
        keypoints_visible=np.ones((3, K), np.float32))
    results = GenerateTarget(
        encoder=dict(
            type='MultiResolutionAssociativeEmbedding',
            input_size=(128, 128),
            heatmap_size=(32, 32),
            higher_heatmap_sizes=[(64, 64)],
            sigma=2))(
                results)
    sample = PackPoseInputs()(results)['data_samples']
    assert [tuple(h.shape) for h in sample.gt_fields.heatmaps] == [(K, 32, 32),
                                                                   (K, 64, 64)]
    labels = sample.gt_instance_labels
    assert tuple(labels.keypoint_indices.shape) == (3, K, 2)
    assert labels.keypoint_indices.dtype == torch.int64
    assert tuple(labels.keypoint_weights.shape) == (3, K)


def ground_truth_tags(keypoints, codec):
    """Tag maps (K, H, W): each pixel carries the tag (2 * index) of the
    person whose Gaussian is strongest there."""
    per_person = np.stack([
        codec.encode(keypoints[n:n + 1])['heatmaps']
        for n in range(len(keypoints))
    ])  # (N, K, H, W)
    return np.argmax(per_person, axis=0).astype(np.float32) * 2.0


def test_grouping_recovers_the_instances_from_ground_truth_maps():
    codec = build(higher_heatmap_sizes=[])
    keypoints = persons()
    encoded = codec.encode(keypoints)
    tags = ground_truth_tags(keypoints, codec)
    pred_kpts, pred_scores, instance_scores = codec.batch_decode(
        torch.from_numpy(encoded['heatmaps'])[None],
        torch.from_numpy(tags)[None])
    pred_kpts, pred_scores = pred_kpts[0], pred_scores[0]

    assert pred_kpts.shape == (3, K, 2)
    np.testing.assert_allclose(pred_scores, 1.0)
    cost = np.linalg.norm(
        pred_kpts[:, None] - keypoints[None], axis=-1).mean(-1)
    rows, cols = linear_sum_assignment(cost)
    assert sorted(cols) == [0, 1, 2]
    # within one heatmap pixel (4 input pixels) of the true keypoints
    assert np.abs(pred_kpts[rows] - keypoints[cols]).max() <= 4.0
