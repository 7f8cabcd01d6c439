"""The faster heatmap NMS and DARK-UDP refinement give mmpose's results bit
for bit (mmpose's functions are the reference)."""
import numpy as np
import pytest
import torch
from mmpose.codecs.utils import batch_heatmap_nms
from mmpose.codecs.utils import gaussian_blur as mmpose_gaussian_blur
from mmpose.codecs.utils import \
    refine_keypoints_dark_udp as mmpose_refine_keypoints_dark_udp

from directpose.codecs.heatmap_decoding import (gaussian_blur, heatmap_nms,
                                                max_filter_1d,
                                                refine_keypoints_dark_udp)


def random_heatmaps(rng, plateaus):
    """(B, K, H, W) of random sizes, from 1x1 maps; with ``plateaus``
    values on a coarse grid, so that windows have several equal maxima."""
    B, K = rng.integers(1, 3), rng.integers(1, 18)
    H, W = rng.integers(1, 40, 2)
    maps = rng.normal(size=(B, K, H, W)).astype(np.float32)
    if plateaus:
        maps = np.round(maps * 2) / 2
    return torch.from_numpy(maps)


@pytest.mark.parametrize('kernel_size', [1, 3, 5, 7])
def test_heatmap_nms_equals_mmpose(kernel_size):
    rng = np.random.default_rng(kernel_size)
    peaks = 0
    for case in range(40):
        heatmaps = random_heatmaps(rng, plateaus=case % 2 == 1)
        expected = batch_heatmap_nms(heatmaps, kernel_size)
        got = heatmap_nms(heatmaps, kernel_size)
        assert torch.equal(got, expected)
        peaks += int((got != 0).sum())
    assert peaks > 100


def test_max_filter_1d_is_a_sliding_maximum():
    x = torch.tensor([[3., 1., 4., 1., 5., 9., 2., 6.]])
    assert max_filter_1d(x, 3, -1).tolist() == [[3, 4, 4, 5, 9, 9, 9, 6]]
    assert max_filter_1d(x.T, 5, -2).T.tolist() == [[4, 4, 5, 9, 9, 9, 9, 9]]


def test_heatmap_nms_wants_an_odd_kernel():
    with pytest.raises(ValueError, match='odd integer, got 4'):
        heatmap_nms(torch.zeros(1, 1, 8, 8), 4)


@pytest.mark.parametrize('blur_kernel_size', [3, 11])
def test_dark_udp_equals_mmpose(blur_kernel_size):
    """Keypoints and the heatmaps modulated in place, for 0 to 40 persons,
    keypoints anywhere on the map including its borders."""
    rng = np.random.default_rng(blur_kernel_size)
    for case in range(60):
        N, K = rng.integers(0, 40), rng.integers(1, 18)
        H, W = rng.integers(3, 60, 2)
        heatmaps = rng.uniform(0, 1, (K, H, W)).astype(np.float32)
        heatmaps[:, ::3] = 0  # clipped to 1e-3 by the modulation
        keypoints = np.stack(
            (rng.integers(0, W, (N, K)), rng.integers(0, H, (N, K))),
            -1).astype(np.float32)
        expected_maps, got_maps = heatmaps.copy(), heatmaps.copy()
        expected = mmpose_refine_keypoints_dark_udp(keypoints.copy(),
                                                    expected_maps,
                                                    blur_kernel_size)
        got = refine_keypoints_dark_udp(keypoints.copy(), got_maps,
                                        blur_kernel_size)
        assert got.shape == (N, K, 2)
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(got_maps, expected_maps)


@pytest.mark.parametrize('kernel', [3, 5, 11])
def test_gaussian_blur_equals_mmpose(kernel):
    """All heatmaps in one OpenCV call: mmpose's values bit for bit (each
    map blurred alone with its zero border), maps smaller than the kernel
    and peaks at the borders included."""
    rng = np.random.default_rng(kernel)
    for case in range(20):
        K, (H, W) = rng.integers(1, 18), rng.integers(2, 50, 2)
        heatmaps = rng.uniform(0, 1, (K, H, W)).astype(np.float32)
        heatmaps[:, 0, rng.integers(0, W)] = 2  # a peak on the top row
        expected = mmpose_gaussian_blur(heatmaps.copy(), kernel)
        got = heatmaps.copy()
        assert gaussian_blur(got, kernel) is got
        np.testing.assert_array_equal(got, expected)
        assert not np.array_equal(got, heatmaps)
