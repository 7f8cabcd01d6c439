"""BottomupPyramidResize: the levels of a multi-scale pyramid are exact
rescalings of each other, so that their heatmaps line up when resized to
the input scale (mmpose's BottomupResize rounds each level on its own)."""
import numpy as np
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
