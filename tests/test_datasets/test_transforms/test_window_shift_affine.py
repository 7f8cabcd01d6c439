"""BottomupWindowShiftAffine shifts by a fraction of the crop window (as
HigherHRNet/SWAHR), mmpose's BottomupRandomAffine by one of the image."""
import numpy as np
import pytest
from mmpose.datasets.transforms import BottomupRandomAffine

from directpose.datasets.transforms import BottomupWindowShiftAffine


@pytest.mark.parametrize('transform_cls, expected_shift', [
    (BottomupWindowShiftAffine, 0.2 * 512),
    (BottomupRandomAffine, 0.2 * 640 * 512 / 480),
])
def test_largest_shift_of_the_image_centre(transform_cls, expected_shift,
                                           monkeypatch):
    t = transform_cls(
        input_size=(512, 512),
        shift_factor=0.2,
        scale_factor=(1.0, 1.0),
        scale_type='short',
        rotate_factor=0,
        distribution='uniform')
    # the largest shift: the uniform draws at their upper end
    monkeypatch.setattr(
        t, '_random', lambda low=-1., high=1., size=(): np.ones(size))
    img = np.zeros((480, 640, 3), dtype=np.uint8)
    centre = np.array([[[320.0, 240.0]]], dtype=np.float32)
    out = t(
        dict(
            img=img,
            img_shape=(480, 640),
            keypoints=centre.copy(),
            keypoints_visible=np.ones((1, 1))))
    # the window (480 px of the image, the shorter side) fills the 512 input
    moved = 256 - out['keypoints'][0, 0]
    np.testing.assert_allclose(moved, [expected_shift, 0.2 * 512], rtol=1e-5)


def test_perspective_mode_is_refused():
    with pytest.raises(ValueError, match='transform_mode'):
        BottomupWindowShiftAffine(
            input_size=(512, 512), transform_mode='perspective')
