"""Composing scenes of figures and annotating the persons in them.

Figures are drawn from the smallest (farthest) to the largest (nearest),
so a later figure occludes an earlier one. Keypoint visibility follows
COCO: 2 = visible, 1 = inside the image but covered by a figure drawn
later, 0 = outside the image (or, for the nose and eyes of a person seen
from the back, unlabelled), with ``x = y = 0``.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from .background import render_background
from .figure import Figure, draw_figure, sample_figure
from .keypoints import COCO_SCHEME, KeypointScheme
from .presets import SyntheticPreset, get_preset

MIN_AREA = 16  # persons with fewer visible pixels are not annotated
PLACEMENT_TRIES = 12  # candidate spots per figure size
SHRINK = 0.85  # figures that do not fit shrink by this factor
Size = Tuple[int, int]  # (width, height)


@dataclass
class Scene:
    """A rendered scene.

    Args:
        image (np.ndarray): BGR image, shape (H, W, 3), uint8.
        owner (np.ndarray): Index in ``figures`` of the figure seen at each
            pixel, -1 for the background, shape (H, W), int16.
        figures (list[Figure]): The figures, in drawing order.
    """

    image: np.ndarray
    owner: np.ndarray
    figures: List[Figure]


def sample_num_persons(rng: np.random.Generator,
                       preset: SyntheticPreset) -> int:
    """Sample how many persons an image of ``preset`` shows."""
    if rng.random() < preset.empty_prob:
        return 0
    counts = np.arange(preset.min_persons, preset.max_persons + 1)
    weights = preset.count_decay**counts
    return int(rng.choice(counts, p=weights / weights.sum()))


def _overlap(box: np.ndarray, boxes: Sequence[np.ndarray]) -> float:
    """Largest fraction of the smaller box covered, over ``boxes``."""
    worst = 0.0
    for other in boxes:
        low = np.maximum(box[:2], other[:2])
        high = np.minimum(box[2:], other[2:])
        inter = np.clip(high - low, 0, None).prod()
        smaller = min((box[2:] - box[:2]).prod(),
                      (other[2:] - other[:2]).prod())
        worst = max(worst, inter / max(smaller, 1e-6))
    return worst


def _spots(rng: np.random.Generator, preset: SyntheticPreset, span: np.ndarray,
           size: Size) -> np.ndarray:
    """Candidate top-left corners of a box of size ``span``, shape
    (:data:`PLACEMENT_TRIES`, 2); the box may stick out of the image if
    the person is to be truncated."""
    size = np.asarray(size, float)
    if rng.random() < preset.truncation_prob:
        low, high = -0.4 * span, size - 0.6 * span
    else:
        low, high = np.minimum(0, size - span), np.maximum(0, size - span)
    return rng.uniform(low, high, (PLACEMENT_TRIES, 2))


def _place(rng: np.random.Generator, preset: SyntheticPreset, fig: Figure,
           size: Size, boxes: List[np.ndarray]) -> Figure:
    """Move ``fig`` (pelvis at the origin) where its box overlaps the
    already placed ``boxes`` by at most ``preset.max_overlap``, shrinking
    it by steps of :data:`SHRINK` (not below the preset's smallest
    stature) while no candidate spot does, and append its box to
    ``boxes``. Failing that, the least overlapping spot is used."""
    best = (np.inf, fig, np.zeros(2))
    while True:
        extent = fig.extent()
        span = extent[2:] - extent[:2]
        for corner in _spots(rng, preset, span, size):
            score = _overlap(np.concatenate([corner, corner + span]), boxes)
            if score < best[0]:
                best = (score, fig, corner - extent[:2])
            if score <= preset.max_overlap:
                break
        smaller = fig.stature * SHRINK
        if (best[0] <= preset.max_overlap
                or smaller < preset.min_height * size[1]):
            break
        fig = fig.scaled(SHRINK)
    placed = best[1].moved(best[2])
    boxes.append(placed.extent())
    return placed


def compose_scene(rng: np.random.Generator, preset: SyntheticPreset,
                  num_persons: int, size: Size) -> Scene:
    """Render a background and ``num_persons`` figures over it.

    Args:
        rng (np.random.Generator): Random generator.
        preset (SyntheticPreset): Background style, stature range, overlap
            and truncation limits, view probabilities.
        num_persons (int): Number of figures to draw.
        size (tuple[int, int]): Image ``(width, height)``.

    Returns:
        Scene: The scene.
    """
    image = render_background(rng, size, preset.background)
    low, high = preset.height_range(num_persons)
    statures = np.sort(
        np.exp(rng.uniform(np.log(low), np.log(high), num_persons)))
    figures: List[Figure] = []
    boxes: List[np.ndarray] = []
    for stature in statures * size[1]:
        fig = sample_figure(rng, stature, preset.back_view_prob)
        figures.append(_place(rng, preset, fig, size, boxes))
    owner = np.full((size[1], size[0]), -1, np.int16)
    for index, fig in enumerate(figures):
        draw_figure(image, owner, index, fig)
    return Scene(image=image, owner=owner, figures=figures)


def keypoint_triplets(scene: Scene, index: int,
                      scheme: KeypointScheme) -> np.ndarray:
    """COCO-style ``(x, y, v)`` keypoints of figure ``index``.

    Returns:
        np.ndarray: Keypoints, shape (K, 3).
    """
    fig = scene.figures[index]
    height, width = scene.owner.shape
    xy = fig.joints[list(scheme.joint_ids)]
    inside = (xy >= 0).all(axis=1) & (xy < [width, height]).all(axis=1)
    pixel = np.clip(np.floor(xy).astype(int), 0, [width - 1, height - 1])
    seen = scene.owner[pixel[:, 1], pixel[:, 0]] == index
    vis = np.where(inside, np.where(seen, 2, 1), 0)
    if fig.back_view:
        vis[[j in scheme.face for j in scheme.joints]] = 0
    return np.concatenate([np.where(vis[:, None] > 0, xy, 0), vis[:, None]],
                          axis=1)


def annotate_figure(scene: Scene, index: int,
                    scheme: KeypointScheme) -> Optional[dict]:
    """COCO annotation of figure ``index`` (without ``id`` and
    ``image_id``), or None if too little of it is visible.

    ``bbox`` is the tight ``[x, y, w, h]`` box of the figure's visible
    pixels and ``area`` their number, in the figure's continuous
    coordinates (pixel ``i`` covers ``[i, i + 1)``), as COCO's boxes.
    ``keypoints`` are pixel indices (pixel ``i``'s centre at ``i``: the
    joints less 0.5), as COCO's keypoints (integer pixels clicked by the
    annotators) and as mmpose's transforms take them: a horizontal flip
    maps ``x`` to ``w - 1 - x``, UDP's warps centre an image at ``(w - 1) /
    2``. Written at the joints themselves, every flipped training sample
    had its keypoints a pixel beside the figure's, and the trained models
    predicted ~0.5 px off.
    """
    ys, xs = np.nonzero(scene.owner == index)
    kpts = keypoint_triplets(scene, index, scheme)
    num_keypoints = int((kpts[:, 2] > 0).sum())
    if len(xs) < MIN_AREA or num_keypoints == 0:
        return None
    x0, y0 = int(xs.min()), int(ys.min())
    box_w, box_h = int(xs.max()) + 1 - x0, int(ys.max()) + 1 - y0
    keypoints = []
    for x, y, v in kpts:
        if v > 0:  # pixel indices (see the docstring)
            x, y = x - 0.5, y - 0.5
        keypoints += [round(float(x), 2), round(float(y), 2), int(v)]
    return dict(
        category_id=1,
        keypoints=keypoints,
        num_keypoints=num_keypoints,
        bbox=[float(v) for v in (x0, y0, box_w, box_h)],
        area=float(len(xs)),
        iscrowd=0)


def annotate_scene(scene: Scene, scheme: KeypointScheme) -> Dict[int, dict]:
    """Annotations of the scene's persons, keyed by drawing index, in
    drawing order; persons with fewer than :data:`MIN_AREA` visible pixels
    or no labelled keypoint are left out."""
    anns = {}
    for index in range(len(scene.figures)):
        ann = annotate_figure(scene, index, scheme)
        if ann is not None:
            anns[index] = ann
    return anns


def render_scene(num_persons: int,
                 image_size: Union[int, Size],
                 seed: Union[int, Sequence[int]],
                 preset: Union[str, SyntheticPreset] = 'standard',
                 return_masks: bool = False) -> tuple:
    """Render one scene with exactly ``num_persons`` figures.

    Statures follow ``preset`` but shrink like ``1/sqrt(n)`` beyond 3
    persons (see :meth:`SyntheticPreset.height_range`), so that 40 persons
    fit in a 256x256 image.

    Args:
        num_persons (int): Number of persons drawn.
        image_size (int | tuple[int, int]): Side, or ``(width, height)``.
        seed (int | Sequence[int]): Seed of ``numpy.random.default_rng``.
        preset (str | SyntheticPreset): Background style, stature range,
            overlap and view settings. Defaults to ``'standard'``.
        return_masks (bool): Also return the visible masks of the
            annotated persons.

    Returns:
        tuple: ``(image, annotations)`` or, with ``return_masks``,
        ``(image, annotations, masks)``: the BGR image of shape (H, W, 3),
        uint8; the COCO (17 keypoints) annotations of the persons, in
        drawing order (back to front), without ``id`` and ``image_id``
        (a person almost fully hidden by others, with fewer than
        :data:`MIN_AREA` visible pixels, is drawn but not annotated); the
        visible masks, shape (N, H, W), bool.
    """
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    scene = compose_scene(
        np.random.default_rng(seed), get_preset(preset), num_persons,
        tuple(image_size))
    anns = annotate_scene(scene, COCO_SCHEME)
    if not return_masks:
        return scene.image, list(anns.values())
    masks = scene.owner[None] == np.array(list(anns), int).reshape(-1, 1, 1)
    return scene.image, list(anns.values()), masks
