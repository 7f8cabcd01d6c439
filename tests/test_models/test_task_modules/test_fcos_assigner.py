import torch
from mmdet.models.task_modules.prior_generators import MlvlPointGenerator

from directpose.models.task_modules import FCOSAssigner

STRIDES = (8, 16, 32, 64, 128)


def level_points(size=512):
    gen = MlvlPointGenerator(STRIDES, offset=0.5)
    return gen.grid_priors([(size // s, size // s) for s in STRIDES],
                           device='cpu')


def level_of(points):
    sizes = torch.tensor([len(p) for p in points])
    return torch.repeat_interleave(torch.arange(len(points)), sizes)


def test_small_and_large_persons_land_on_their_levels():
    points = level_points()
    boxes = torch.tensor([
        [100., 100., 140., 160.],  # max side dist ~30
        [150., 60., 450., 500.]
    ])  # max side dist ~220
    gt_inds, ltrb = FCOSAssigner().assign(points, STRIDES, boxes)
    levels = level_of(points)
    assert set(levels[gt_inds == 0].tolist()) == {0}  # P3: up to 64
    # P5 (128-256), and P6 for centre locations more than 256 from a side
    assert set(levels[gt_inds == 1].tolist()) == {2, 3}
    pos = gt_inds >= 0
    ranges = torch.tensor([[-1, 64], [64, 128], [128, 256], [256, 512],
                           [512, 1e8]])[levels[pos]]
    max_dist = ltrb[pos].max(1).values
    assert ((max_dist >= ranges[:, 0]) & (max_dist <= ranges[:, 1])).all()
    # targets are the distances to the assigned box's sides
    xy = torch.cat(points)[pos]
    box = boxes[gt_inds[pos]]
    torch.testing.assert_close(
        ltrb[pos], torch.cat([xy - box[:, :2], box[:, 2:] - xy], 1))
    assert (ltrb[~pos] == 0).all()


def test_center_sampling_restricts_positives_to_the_centre():
    points = level_points()
    box = torch.tensor([[96., 96., 160., 224.]])  # centre (128, 160)
    sampled, _ = FCOSAssigner(center_sample_radius=1.5).assign(
        points, STRIDES, box)
    whole, _ = FCOSAssigner(center_sampling=False).assign(points, STRIDES, box)
    all_points = torch.cat(points)
    strides = torch.tensor(STRIDES).float()[level_of(points)]
    offset = (all_points[sampled == 0] - torch.tensor([128., 160.])).abs()
    assert (offset < 1.5 * strides[sampled == 0, None]).all()
    assert (sampled == 0).sum() < (whole == 0).sum()
    # without centre sampling, positives cover the inside of the box
    inside = all_points[whole == 0]
    assert (inside > box[0, :2]).all() and (inside < box[0, 2:]).all()


def test_a_location_claimed_twice_goes_to_the_smaller_box():
    points = level_points()
    big = [80., 80., 176., 176.]
    small = [104., 104., 152., 152.]  # same centre, inside `big`
    gt_inds, _ = FCOSAssigner(center_sampling=False).assign(
        points, STRIDES, torch.tensor([big, small]))
    all_points = torch.cat(points)
    levels = level_of(points)
    # a P3 location near the shared centre is in range for both boxes
    near = ((all_points - 128).abs().max(1).values < 8) & (levels == 0)
    assert near.any() and (gt_inds[near] == 1).all()


def test_no_persons_gives_no_positives():
    points = level_points(256)
    gt_inds, ltrb = FCOSAssigner().assign(points, STRIDES, torch.zeros(0, 4))
    assert (gt_inds == -1).all() and (ltrb == 0).all()
    assert len(gt_inds) == sum(len(p) for p in points)
