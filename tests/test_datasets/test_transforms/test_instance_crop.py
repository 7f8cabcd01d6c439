"""BottomupInstanceCrop: the window holds a random person's centre; what it
cuts is made invisible or dropped, with every per-person entry."""
import numpy as np

from directpose.datasets.transforms import BottomupInstanceCrop


def sample(width=2000, height=1500):
    # three persons: far left, far right, and one straddling the top edge
    kpts = np.array([
        [[100, 700], [160, 900]],
        [[1800, 600], [1900, 1000]],
        [[990, 10], [1010, 60]],
    ],
                    dtype=np.float32)
    return dict(
        img=np.zeros((height, width, 3), dtype=np.uint8),
        img_shape=(height, width),
        keypoints=kpts.copy(),
        keypoints_visible=np.ones((3, 2), dtype=np.float32),
        bbox=np.concatenate([kpts.min(1), kpts.max(1)], -1),
        area=np.array([1.0, 2.0, 3.0], dtype=np.float32),
        id=[11, 22, 33],
        category_id=np.array([1, 1, 1]),
        segmentation=[[], [], []])


def test_the_window_holds_a_person_centre_and_drops_the_missed():
    t = BottomupInstanceCrop(crop_size=(800, 600))
    centres = np.array([[130, 800], [1850, 800], [1000, 35]])
    for seed in range(40):
        np.random.seed(seed)
        out = t(sample())
        assert out['img'].shape == (600, 800, 3)
        x0, y0 = out['crop_offset']
        inside = ((centres >= [x0, y0]) &
                  (centres <= [x0 + 800, y0 + 600])).all(1)
        assert inside.any()  # the window holds a person's centre
        # kept persons: the ones whose box meets the window, with all of
        # their entries in the same order
        ids = out['id']
        assert len(ids) == len(out['bbox']) == len(out['area']) == len(
            out['keypoints']) == len(out['category_id'])
        for i, area in zip(ids, out['area']):
            assert area == {11: 1.0, 22: 2.0, 33: 3.0}[i]
        assert 'segmentation' not in out
        shifted = out['keypoints'] + [x0, y0]
        original = dict(zip([11, 22, 33], sample()['keypoints']))
        for i, kpts, vis in zip(ids, shifted, out['keypoints_visible']):
            np.testing.assert_allclose(kpts, original[i])
            inside_kpt = ((kpts >= [x0, y0]) &
                          (kpts <= [x0 + 800, y0 + 600])).all(1)
            np.testing.assert_array_equal(vis, inside_kpt.astype(float))


def test_every_person_gets_picked():
    t = BottomupInstanceCrop(crop_size=(800, 600))
    seen = set()
    for seed in range(60):
        np.random.seed(seed)
        x0, _ = t(sample())['crop_offset']
        seen.add('left' if x0 < 200 else 'right' if x0 > 1000 else 'mid')
    assert seen == {'left', 'right', 'mid'}


def test_a_small_image_is_kept_whole():
    out = BottomupInstanceCrop(crop_size=(800, 800))(sample(500, 400))
    assert out['img'].shape == (400, 500, 3)
    assert out['crop_offset'] == (0, 0)
