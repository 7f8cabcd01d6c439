import numpy as np
import pycocotools.mask as reference
import xtcocotools.mask as mask

from directpose.compat import xtcocotools_mask_works


def _masks():
    rng = np.random.default_rng(0)
    return np.asfortranarray(rng.integers(0, 2, (20, 30, 3), dtype=np.uint8))


def test_mask_functions_work_and_agree_with_pycocotools():
    assert xtcocotools_mask_works()
    masks = _masks()
    rles = mask.encode(masks)
    np.testing.assert_array_equal(mask.decode(rles), masks)
    np.testing.assert_array_equal(mask.area(rles), masks.sum((0, 1)))
    np.testing.assert_allclose(mask.toBbox(rles), reference.toBbox(rles))
    np.testing.assert_allclose(
        mask.iou(rles, rles, [0, 0, 0]), reference.iou(rles, rles, [0, 0, 0]))


def test_polygon_to_mask_as_mmpose_uses_it():
    # mmpose's BottomupGetHeatmapMask: frPyObjects -> merge -> decode
    rles = mask.frPyObjects([[2, 2, 12, 2, 12, 8, 2, 8]], 10, 16)
    m = mask.decode(mask.merge(rles))
    assert m.shape == (10, 16)
    assert m[5, 7] == 1 and m[0, 0] == 0
