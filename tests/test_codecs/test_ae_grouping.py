"""The faster AE grouping and missing-keypoint filling give mmpose's results
(mmpose's functions are the reference), and the codec uses them."""
import numpy as np
import pytest
import torch
from mmpose.codecs import AssociativeEmbedding
from mmpose.codecs.associative_embedding import _group_keypoints_by_tags
from mmpose.registry import KEYPOINT_CODECS

from directpose.codecs import ae_grouping
from directpose.codecs.ae_grouping import (fill_missing_keypoints,
                                           group_keypoints_by_tags)

ORDER = [0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13, 14, 15, 16]


def candidates(seed, persons=8, K=17, L=1, clutter=4, noise=0.1):
    """Top-k candidates: per keypoint type at most one per person (tags
    2.5 apart) and ``clutter`` false ones with tags far from all persons.

    Separated tags make the optimal assignment unique. Where several are
    equally good (tags closer than 1 round to the same distance), munkres
    and scipy may pick different ones, and both results are right.
    """
    rng = np.random.default_rng(seed)
    M = persons + clutter
    offset = rng.uniform(-5, 5, (1, L))
    person_tags = 2.5 * rng.permutation(persons)[:, None] + offset
    clutter_tags = 100 + 2.5 * np.arange(clutter)[:, None] + offset
    tags = np.concatenate((np.broadcast_to(person_tags, (K, persons, L)),
                           np.broadcast_to(clutter_tags, (K, clutter, L))), 1)
    tags = (tags + rng.normal(0, noise, (K, M, L))).astype(np.float32)
    order = np.argsort(rng.uniform(size=(K, M)), axis=1)  # shuffle columns
    tags = np.take_along_axis(tags, order[..., None], 1)
    vals = rng.uniform(0, 1, (K, M)).astype(np.float32)
    vals[rng.uniform(size=(K, M)) < 0.3] = 0  # below any threshold
    locs = rng.integers(0, 64, (K, M, 2)).astype(np.float32)
    return vals, tags, locs


@pytest.mark.parametrize('seed', range(5))
@pytest.mark.parametrize('L,tag_thr,max_groups', [(1, 1.0, 30), (2, 1.0, 30),
                                                  (1, 0.5, 5), (1, 1.0, None)])
def test_grouping_equals_mmpose(seed, L, tag_thr, max_groups):
    vals, tags, locs = candidates(seed, L=L, persons=3 + seed * 3)
    args = dict(
        keypoint_order=ORDER,
        val_thr=0.1,
        tag_thr=tag_thr,
        max_groups=max_groups)
    expected = _group_keypoints_by_tags(vals, tags, locs, **args)
    got = group_keypoints_by_tags(vals, tags, locs, **args)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_grouping_with_no_candidate_and_repeated_first_tags():
    vals, tags, locs = candidates(0)
    args = dict(keypoint_order=ORDER, val_thr=2.0)  # nothing passes
    assert group_keypoints_by_tags(vals, tags, locs,
                                   **args).shape == (0, 17, 3)
    # Equal first tag values: mmpose keys persons by them (a dict).
    tags[..., 0] = np.round(tags[..., 0])
    args['val_thr'] = 0.1
    np.testing.assert_allclose(
        group_keypoints_by_tags(vals, tags, locs, **args),
        _group_keypoints_by_tags(vals, tags, locs, **args))


def assert_fills_as_mmpose(keypoints, scores, heatmaps, tags):
    """``fill_missing_keypoints`` gives mmpose's filled keypoints and
    scores bit for bit."""
    H, W = heatmaps.shape[1:]
    reference = AssociativeEmbedding(input_size=(W, H), heatmap_size=(W, H))
    exp_kpts, exp_scores = reference._fill_missing_keypoints(
        keypoints.copy(), scores.copy(), heatmaps, tags)
    got_kpts, got_scores = fill_missing_keypoints(keypoints.copy(),
                                                  scores.copy(), heatmaps,
                                                  tags)
    np.testing.assert_array_equal(got_kpts, exp_kpts)
    np.testing.assert_array_equal(got_scores, exp_scores)


@pytest.mark.parametrize('seed', range(4))
@pytest.mark.parametrize('L', [1, 2])
@pytest.mark.parametrize('persons_per_chunk', [None, 1, 4])
def test_fill_missing_equals_mmpose(seed, L, persons_per_chunk, monkeypatch):
    """Also with the persons taken a few at a time (as at 160x160)."""
    if persons_per_chunk is not None:
        monkeypatch.setattr(ae_grouping, '_FILL_CHUNK_ELEMENTS',
                            persons_per_chunk * 24 * 20)
    rng = np.random.default_rng(seed)
    N, K, H, W = 6, 17, 24, 20
    heatmaps = rng.uniform(0, 1, (K, H, W)).astype(np.float32)
    tags = rng.uniform(-3, 3, (K * L, H, W)).astype(np.float32)
    keypoints = rng.uniform(-2, 25, (N, K, 2)).astype(np.float32)
    scores = rng.uniform(0, 1, (N, K)).astype(np.float32)
    scores[rng.uniform(size=(N, K)) < 0.4] = 0
    scores[0] = 0
    scores[0, 3] = 0.5  # a person with one keypoint

    assert_fills_as_mmpose(keypoints, scores, heatmaps, tags)


@pytest.mark.parametrize('seed', range(3))
def test_fill_settles_most_persons_on_the_highest_pixels(seed, monkeypatch):
    """Log-modulated heatmaps with peaks and a clipped floor (as after
    DARK-UDP) and tags of persons 1 apart: mmpose's filling bit for bit,
    with most persons settled on the highest pixels and the others (tags
    far from every high pixel) by the scan of the whole map."""
    calls = []  # (pixels, persons) of each cost computation
    tag_costs = ae_grouping._tag_costs

    def spy(tag_maps, heatmap, person_tags):
        calls.append((tag_maps.shape[1], len(person_tags)))
        return tag_costs(tag_maps, heatmap, person_tags)

    monkeypatch.setattr(ae_grouping, '_tag_costs', spy)
    rng = np.random.default_rng(seed)
    N, K, L, H, W = 20, 17, 2, 64, 64
    yy, xx = np.mgrid[:H, :W]
    centres = rng.uniform(0, 64, (K, N, 2))
    peaks = np.exp(-((xx - centres[..., :1, None])**2 +
                     (yy - centres[..., 1:, None])**2) / 8).max(1)
    heatmaps = np.log(np.clip(peaks, 1e-3, None)).astype(np.float32)
    person_tags = np.arange(N, dtype=np.float32)
    nearest = rng.integers(0, N, (K * L, H, W))  # background: any person's
    tags = (person_tags[nearest] + rng.normal(0, 0.3, (K * L, H, W))).astype(
        np.float32)
    keypoints = rng.uniform(0, 64, (N, K, 2)).astype(np.float32)
    scores = rng.uniform(0.1, 1, (N, K)).astype(np.float32)
    scores[rng.uniform(size=(N, K)) < 0.3] = 0
    # the last person: found at keypoint 0 only, its tag far from any
    # pixel's, so its least cost is on no high pixel
    scores[-1] = 0
    scores[-1, 0] = 0.5
    keypoints[-1, 0] = (0, 0)
    tags[[0, K], 0, 0] = 100

    assert_fills_as_mmpose(keypoints, scores, heatmaps, tags)
    missing = sum(p for n, p in calls if n < H * W)
    assert missing == (scores == 0).sum()  # all tried on high pixels first
    assert max(n for n, _ in calls if n < H * W) < H * W // 4
    scanned = sum(p for n, p in calls if n == H * W)
    assert K - 1 < scanned < missing // 2  # the last person and some


@pytest.mark.parametrize('use_udp', [False, True])
def test_codec_decodes_as_mmpose(use_udp):
    """The whole decoding of noisy Gaussian heatmaps of 4 persons, each in
    its vertical stripe of the image and of the tag maps: same keypoints
    and scores (refined without and with UDP)."""
    cfg = dict(
        input_size=(128, 128),
        heatmap_size=(32, 32),
        sigma=1,
        use_udp=use_udp,
        decode_keypoint_order=ORDER,
        decode_topk=30,
        decode_max_instances=30)
    ours = KEYPOINT_CODECS.build(
        dict(type='MultiResolutionAssociativeEmbedding', **cfg))
    reference = AssociativeEmbedding(**cfg)
    rng = np.random.default_rng(0)
    keypoints = rng.uniform(4, 28, (4, 17, 2))
    keypoints[..., 0] += 32 * np.arange(4)[:, None]  # stripe p: x in p*32+
    keypoints[..., 1] *= 4
    visible = (rng.uniform(size=(4, 17)) > 0.2).astype(np.float32)
    heatmaps = reference.encode(keypoints, visible)['heatmaps']
    heatmaps = heatmaps + rng.uniform(0, 0.05, heatmaps.shape)
    stripes = 2.5 * (np.arange(32) // 8)
    tags = np.broadcast_to(stripes,
                           (17, 32, 32)) + rng.normal(0, 0.1, (17, 32, 32))
    batch = [
        torch.as_tensor(np.ascontiguousarray(a), dtype=torch.float32)[None]
        for a in (heatmaps, tags)
    ]
    # copies: DARK-UDP refinement blurs the heatmaps in place
    got = ours.batch_decode(*[t.clone() for t in batch])
    expected = reference.batch_decode(*[t.clone() for t in batch])
    assert len(got[0][0]) >= 4
    for got_part, expected_part in zip(got, expected):
        for g, e in zip(got_part, expected_part):
            np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)
