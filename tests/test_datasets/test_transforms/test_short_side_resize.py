"""BottomupShortSideResize: FCOS-style resizing by the shorter side, with
the metainfo that maps predictions back exactly."""
import numpy as np
import pytest
from conftest import to_original

from directpose.datasets.transforms import BottomupShortSideResize


def results_of(width, height, keypoints=None):
    img = np.random.RandomState(0).randint(
        0, 255, (height, width, 3), dtype=np.uint8)
    res = dict(img=img, img_shape=(height, width), ori_shape=(height, width))
    if keypoints is not None:
        res['keypoints'] = np.asarray(keypoints, dtype=np.float32)
        res['bbox'] = np.concatenate(
            [res['keypoints'].min(1), res['keypoints'].max(1)], -1)
        res['area'] = np.array([100.0] * len(keypoints), dtype=np.float32)
    return res


@pytest.mark.parametrize(
    'width, height, expected',
    [
        (640, 425, (1205, 800)),  # a COCO image: the shorter side to 800
        (425, 640, (800, 1205)),  # portrait
        (1000, 200, (1333, 267)),  # the longer side capped at 1333
        (800, 800, (800, 800)),
    ])
def test_sizes_and_padding(width, height, expected):
    t = BottomupShortSideResize(
        short_side=800, max_long_side=1333, size_factor=128)
    out = t(results_of(width, height))
    assert out['input_size'] == expected
    padded_h, padded_w = out['img'].shape[:2]
    assert padded_w % 128 == 0 and padded_h % 128 == 0
    assert padded_w - 128 < expected[0] <= padded_w
    assert padded_h - 128 < expected[1] <= padded_h
    assert out['img_shape'] == (padded_h, padded_w)
    # the padding is at the right and bottom: the content stays in place
    w, h = expected
    assert (out['img'][h:] == 0).all() and (out['img'][:, w:] == 0).all()


def test_keypoints_map_back_exactly_through_the_estimator_meta():
    kpts = [[[0, 0], [639.5, 424.5], [320.25, 17.75]]]
    t = BottomupShortSideResize(
        short_side=800, max_long_side=1333, size_factor=128)
    out = t(results_of(640, 425, kpts))
    sx, sy = 1205 / 640, 800 / 425
    np.testing.assert_allclose(
        out['keypoints'], np.array(kpts) * [sx, sy], rtol=1e-6)
    np.testing.assert_allclose(
        out['bbox'], [[0, 0, 639.5 * sx, 424.5 * sy]], rtol=1e-6)
    np.testing.assert_allclose(out['area'], [100 * sx * sy], rtol=1e-6)
    np.testing.assert_allclose(
        to_original(out['keypoints'], out), kpts, atol=1e-4)


def test_random_short_side_for_training():
    t = BottomupShortSideResize(short_side=(480, 1600), max_long_side=2666)
    shorts = set()
    for seed in range(30):
        np.random.seed(seed)
        w, h = t(results_of(64, 48))['input_size']
        assert 480 <= h <= 1600 and w == int(h * 64 / 48 + 0.5) or w == 2666
        shorts.add(h)
    assert len(shorts) > 20  # drawn per image, not a few fixed sizes
    np.random.seed(0)
    w, h = t(results_of(300, 30))['input_size']
    assert w == 2666  # the longer side capped


def test_image_pyramid_for_the_multiscale_test():
    t = BottomupShortSideResize(
        short_side=800,
        max_long_side=1333,
        size_factor=128,
        aug_scales=[0.75, 1.25])
    out = t(results_of(640, 425, [[[100, 100]]]))
    sizes = out['aug_input_sizes']
    assert sizes == [(1205, 800), (904, 600), (1506, 1000)]
    assert [img.shape[1::-1] for img in out['img']] == [(1280, 896),
                                                        (1024, 640),
                                                        (1536, 1024)]
    assert out['aug_scales'] == [0.75, 1.25]
    assert out['input_size'] == sizes[0]  # the input scale's metainfo


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match='short_side'):
        BottomupShortSideResize(short_side=(900, 800), max_long_side=1333)
    with pytest.raises(ValueError, match='size_factor'):
        BottomupShortSideResize(
            short_side=800, max_long_side=1333, size_factor=0)
