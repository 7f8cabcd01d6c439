"""BottomupPyramidResize: the levels of a multi-scale pyramid are exact
rescalings of each other, so that their heatmaps line up when resized to
the input scale (mmpose's BottomupResize rounds each level on its own);
with UDP, its metainfo maps the input back to the image exactly."""
import numpy as np
import pytest
from conftest import to_original
from mmpose.datasets.transforms import BottomupResize

from directpose.datasets.transforms import BottomupPyramidResize


def resize(transform_cls, aug_scales):
    img = np.zeros((333, 500, 3), dtype=np.uint8)
    img[100:110, 300:310] = 255  # a bright square at x 300-310, y 100-110
    t = transform_cls(
        input_size=(512, 512),
        aug_scales=aug_scales,
        size_factor=64,
        resize_mode='expand')
    return t(dict(img=img, ori_shape=(333, 500), img_shape=(333, 500)))


def square_centre(img):
    """Intensity-weighted centre, in area coordinates."""
    w = img[..., 0].astype(float)
    ys, xs = np.mgrid[:w.shape[0], :w.shape[1]]
    return np.array([(w * xs).sum(), (w * ys).sum()]) / w.sum() + 0.5


def test_every_level_is_the_first_one_rescaled():
    out = resize(BottomupPyramidResize, [0.5, 2.0])
    sizes = [img.shape[1::-1] for img in out['img']]
    assert sizes == [(896, 512), (448, 256), (1792, 1024)]
    base = square_centre(out['img'][0])
    for img, scale in zip(out['img'][1:], (0.5, 2.0)):
        # up to half a pixel: mmpose's warp maps image centres, not pixel
        # centres, so each level is off by 0.5 - 0.5 * its zoom
        np.testing.assert_allclose(square_centre(img) / scale, base, atol=1.0)
    # mmpose's levels are rounded on their own: scale 0.5 is off by pixels
    theirs = resize(BottomupResize, [0.5, 2.0])['img']
    assert theirs[1].shape[1] == 448 and theirs[0].shape[1] == 832
    offset = square_centre(theirs[1]) / 0.5 - square_centre(theirs[0])
    assert np.abs(offset).max() > 20


def test_without_aug_scales_it_is_bottomup_resize():
    ours, theirs = resize(BottomupPyramidResize,
                          None), resize(BottomupResize, None)
    np.testing.assert_array_equal(ours['img'], theirs['img'])
    for key in ('input_size', 'input_center', 'input_scale', 'img_shape'):
        np.testing.assert_allclose(ours[key], theirs[key])


def blob_centre(img):
    """Intensity-weighted centre, in pixel indices."""
    w = img[..., 0].astype(float)
    ys, xs = np.mgrid[:w.shape[0], :w.shape[1]]
    return np.array([(w * xs).sum(), (w * ys).sum()]) / w.sum()


@pytest.mark.parametrize('img_size,input_size', [((160, 160), (160, 160)),
                                                 ((500, 333), (256, 256))])
def test_udp_metainfo_maps_back_exactly(img_size, input_size):
    """A blob's centre in the input, mapped back with the metainfo, is its
    centre in the image (at the same size, and scaled into a padded
    canvas). mmpose's BottomupResize stores metainfo that lands 0.5 to 1.5
    pixels short, a bias a model trained with UDP shows at test."""
    w, h = img_size
    centre = np.array([0.8 * w + 0.3, 0.7 * h + 0.2])
    ys, xs = np.mgrid[:h, :w]
    blob = np.exp(-((xs - centre[0])**2 + (ys - centre[1])**2) / 32)
    img = np.repeat((255 * blob).astype(np.uint8)[..., None], 3, axis=2)
    outputs = [
        cls(input_size=input_size,
            use_udp=True,
            resize_mode='expand',
            size_factor=32)(dict(img=img, ori_shape=(h, w), img_shape=(h, w)))
        for cls in (BottomupPyramidResize, BottomupResize)
    ]
    ours, theirs = (
        to_original(blob_centre(out['img']), out) for out in outputs)
    np.testing.assert_allclose(ours, centre, atol=0.05)
    assert (np.abs(theirs - centre) > 0.4).all()
    np.testing.assert_array_equal(outputs[0]['img'], outputs[1]['img'])
