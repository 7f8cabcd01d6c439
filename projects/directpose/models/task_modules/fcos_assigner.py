from typing import Sequence, Tuple

import torch
from mmpose.registry import TASK_UTILS
from torch import Tensor

INF = 1e8


@TASK_UTILS.register_module()
class FCOSAssigner:
    """Assign feature-map locations to persons as FCOS does.

    A location is a positive candidate of a person when it lies inside the
    person's box (or, with centre sampling, inside a box of ``radius`` strides
    around the box centre, clipped to the box) and the largest distance from
    the location to the box sides falls in its level's regress range. A
    location claimed by several persons goes to the smallest box.

    Args:
        regress_ranges (Sequence[Tuple[float, float]]): The (min, max) of the
            largest location-to-side distance per level.
        center_sampling (bool): Whether to restrict positives to the centre
            region. Defaults to True.
        center_sample_radius (float): The centre region's half-size, in
            strides. Defaults to 1.5.
    """

    def __init__(self,
                 regress_ranges: Sequence[Tuple[float,
                                                float]] = ((-1, 64), (64, 128),
                                                           (128, 256),
                                                           (256, 512), (512,
                                                                        INF)),
                 center_sampling: bool = True,
                 center_sample_radius: float = 1.5):
        self.regress_ranges = regress_ranges
        self.center_sampling = center_sampling
        self.center_sample_radius = center_sample_radius

    def assign(self, points: Sequence[Tensor], strides: Sequence[int],
               gt_bboxes: Tensor) -> Tuple[Tensor, Tensor]:
        """Assign the locations of all levels of one image.

        Args:
            points (Sequence[Tensor]): Location coordinates (x, y) per level,
                each in shape (N_l, 2).
            strides (Sequence[int]): The stride of each level.
            gt_bboxes (Tensor): Person boxes (x1, y1, x2, y2), shape (G, 4).

        Returns:
            tuple:
            - gt_inds (Tensor): The index of the person each location is
              assigned to, -1 for background, shape (N, ), N = sum(N_l).
            - bbox_targets (Tensor): Distances (left, top, right, bottom)
              from each location to its person's box sides, shape (N, 4);
              zeros for background.
        """
        assert len(points) == len(strides) <= len(self.regress_ranges)
        all_points = torch.cat(points)
        num_points = all_points.size(0)
        if gt_bboxes.numel() == 0:
            return (all_points.new_full((num_points, ), -1, dtype=torch.long),
                    all_points.new_zeros(num_points, 4))
        ranges = torch.cat([
            all_points.new_tensor(r).expand(len(p), 2)
            for p, r in zip(points, self.regress_ranges)
        ])
        point_strides = torch.cat([
            all_points.new_full((len(p), ), s)
            for p, s in zip(points, strides)
        ])
        x, y = all_points[:, None, 0], all_points[:, None, 1]  # (N, 1)
        box = gt_bboxes[None].float()  # (1, G, 4)
        ltrb = torch.stack([
            x - box[..., 0], y - box[..., 1], box[..., 2] - x, box[..., 3] - y
        ], -1)

        if self.center_sampling:
            inside = self._inside_center_region(x, y, box, point_strides)
        else:
            inside = ltrb.min(-1).values > 0
        max_dist = ltrb.max(-1).values
        in_range = (max_dist >= ranges[:, None, 0]) & (
            max_dist <= ranges[:, None, 1])

        areas = ((box[..., 2] - box[..., 0]) *
                 (box[..., 3] - box[..., 1])).expand(num_points, -1).clone()
        areas[~(inside & in_range)] = INF
        min_area, gt_inds = areas.min(dim=1)
        gt_inds[min_area == INF] = -1
        bbox_targets = ltrb[torch.arange(num_points), gt_inds.clamp(min=0)]
        bbox_targets[gt_inds < 0] = 0
        return gt_inds, bbox_targets

    def _inside_center_region(self, x: Tensor, y: Tensor, box: Tensor,
                              point_strides: Tensor) -> Tensor:
        """Whether each location is inside each box's centre region (the
        box centre +- radius * stride, clipped to the box): (N, G)."""
        cx = (box[..., 0] + box[..., 2]) / 2
        cy = (box[..., 1] + box[..., 3]) / 2
        radius = point_strides[:, None] * self.center_sample_radius
        x1 = torch.maximum(cx - radius, box[..., 0])
        y1 = torch.maximum(cy - radius, box[..., 1])
        x2 = torch.minimum(cx + radius, box[..., 2])
        y2 = torch.minimum(cy + radius, box[..., 3])
        return (x > x1) & (y > y1) & (x < x2) & (y < y2)
