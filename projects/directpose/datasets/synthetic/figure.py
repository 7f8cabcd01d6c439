"""Drawing a humanoid figure: limbs as capsules, a polygon torso and a
round head with a face.

Left and right are told apart as on real people: the person's left limbs
wear a lighter shade of the clothing colour and the right limbs a darker
one (see :mod:`.colors`), the face (eyes, nose, mouth) is drawn only when
the person faces the camera and is shifted toward the side the head turns
to, and from the back the head is covered by hair.

Coordinates are continuous pixel coordinates: pixel ``(i, j)`` covers
``[i, i + 1) x [j, j + 1)``, as COCO's boxes and segments (the written
keypoints are pixel indices, see :func:`.scene.annotate_figure`).
"""
from dataclasses import dataclass, replace
from typing import Dict, Iterable, Sequence, Tuple

import cv2
import numpy as np

from .colors import Palette, left_shade, right_shade, sample_palette
from .keypoints import JOINT_IDS
from .pose import BodyShape, Pose, pose_joints, sample_pose, sample_shape

SHIFT = 4  # fractional bits of OpenCV's fixed-point coordinates
SCALE = 1 << SHIFT
# Limb thickness in units of stature, before the body's ``build`` factor.
LIMB_WIDTHS = {
    'upper_arm': 0.05,
    'forearm': 0.042,
    'thigh': 0.075,
    'shin': 0.058,
    'neck': 0.045,
    'shoe': 0.05,
    'hand': 0.06,
}
EYE_COLOUR = (40, 30, 30)
MOUTH_COLOUR = (60, 60, 150)
MIN_FACE_RADIUS = 3.0  # head radius (pixels) below which no face is drawn
OUTLINE_MIN_STATURE = 80.0  # pixels; taller figures get a darker outline
OUTLINE_DARKEN = 0.7


@dataclass(frozen=True)
class Figure:
    """A posed figure in image coordinates.

    Args:
        joints (np.ndarray): Joints in :data:`~.keypoints.JOINTS` order,
            rounded to 0.01 pixel, shape (J, 2).
        widths (dict[str, float]): Limb thicknesses in pixels.
        head_radius (float): Head radius in pixels.
        stature (float): Height of the figure standing upright, pixels.
        palette (Palette): Colours.
        back_view (bool): Seen from the back.
        left_arm_first (bool): Draw the left arm under the right one.
    """

    joints: np.ndarray
    widths: Dict[str, float]
    head_radius: float
    stature: float
    palette: Palette
    back_view: bool
    left_arm_first: bool

    def __getitem__(self, name: str) -> np.ndarray:
        return self.joints[JOINT_IDS[name]]

    def extent(self) -> np.ndarray:
        """Box ``[x0, y0, x1, y1]`` holding every drawn pixel."""
        margin = max(self.widths.values()) / 2 + 1
        return np.concatenate([
            self.joints.min(axis=0) - margin,
            self.joints.max(axis=0) + margin
        ])

    def moved(self, offset: np.ndarray) -> 'Figure':
        """The figure translated by ``offset``, shape (2, )."""
        return replace(self, joints=np.round(self.joints + offset, 2))

    def scaled(self, factor: float) -> 'Figure':
        """The figure scaled by ``factor`` about the origin."""
        widths = {name: w * factor for name, w in self.widths.items()}
        return replace(
            self,
            joints=np.round(self.joints * factor, 2),
            widths=widths,
            head_radius=self.head_radius * factor,
            stature=self.stature * factor)


def make_figure(shape: BodyShape,
                pose: Pose,
                palette: Palette,
                stature: float,
                left_arm_first: bool = True) -> Figure:
    """Build a figure of ``stature`` pixels with its pelvis at the origin.

    Args:
        shape (BodyShape): Body proportions.
        pose (Pose): Joint angles and view.
        palette (Palette): Colours.
        stature (float): Upright height in pixels.
        left_arm_first (bool): Draw the left arm under the right one.

    Returns:
        Figure: The figure.
    """
    widths = {
        name: width * shape.build * stature
        for name, width in LIMB_WIDTHS.items()
    }
    return Figure(
        joints=np.round(pose_joints(shape, pose) * stature, 2),
        widths=widths,
        head_radius=shape.head_radius * stature,
        stature=stature,
        palette=palette,
        back_view=pose.back_view,
        left_arm_first=left_arm_first)


def sample_figure(rng: np.random.Generator, stature: float,
                  back_view_prob: float) -> Figure:
    """Sample a figure's shape, pose and colours.

    Args:
        rng (np.random.Generator): Random generator.
        stature (float): Upright height in pixels.
        back_view_prob (float): Probability of a view from the back.

    Returns:
        Figure: The figure, with its pelvis at the origin.
    """
    shape = sample_shape(rng)
    pose = sample_pose(rng, back_view_prob)
    return make_figure(shape, pose, sample_palette(rng), stature,
                       bool(rng.random() < 0.5))


class _Pen:
    """Draws filled shapes on a BGR crop whose top-left pixel is
    ``origin``; every colour is kept nonzero so that the drawn pixels are
    the crop's nonzero pixels."""

    def __init__(self, crop: np.ndarray, origin: np.ndarray) -> None:
        self.crop = crop
        self.origin = origin

    def _fixed(self, point: np.ndarray) -> Tuple[int, int]:
        # OpenCV puts pixel i's centre at coordinate i, COCO at i + 0.5.
        return (int(round((point[0] - self.origin[0] - 0.5) * SCALE)),
                int(round((point[1] - self.origin[1] - 0.5) * SCALE)))

    @staticmethod
    def _colour(colour: Iterable[float]) -> Tuple[float, ...]:
        return tuple(max(float(c), 1.0) for c in colour)

    def disc(self, center: np.ndarray, radius: float, colour) -> None:
        """A filled circle at least one pixel in radius."""
        cv2.circle(self.crop, self._fixed(center),
                   int(round(max(radius, 1.0) * SCALE)), self._colour(colour),
                   -1, cv2.LINE_8, SHIFT)

    def capsule(self, start: np.ndarray, end: np.ndarray, width: float,
                colour) -> None:
        """A thick segment with round ends covering both end points."""
        thickness = int(round(width))
        cv2.line(self.crop, self._fixed(start), self._fixed(end),
                 self._colour(colour), max(thickness, 1), cv2.LINE_8, SHIFT)
        if thickness < 3:  # thicker lines have round caps
            self.disc(start, width / 2, colour)
            self.disc(end, width / 2, colour)

    def polygon(self, pts: Sequence[np.ndarray], colour) -> None:
        """A filled polygon."""
        fixed = (np.stack(pts) - self.origin - 0.5) * SCALE
        cv2.fillPoly(self.crop, [np.round(fixed).astype(np.int32)],
                     self._colour(colour), cv2.LINE_8, SHIFT)


def _unit(vec: np.ndarray) -> np.ndarray:
    return vec / max(float(np.linalg.norm(vec)), 1e-6)


def _draw_leg(pen: _Pen, fig: Figure, side: str) -> None:
    shade = left_shade if side == 'left' else right_shade
    colour, w = shade(fig.palette.pants), fig.widths
    ankle = fig[f'{side}_ankle']
    pen.capsule(ankle, fig[f'{side}_toe'], w['shoe'], fig.palette.shoes)
    pen.capsule(fig[f'{side}_hip'], fig[f'{side}_knee'], w['thigh'], colour)
    pen.capsule(fig[f'{side}_knee'], ankle, w['shin'], colour)


def _draw_arm(pen: _Pen, fig: Figure, side: str) -> None:
    shade = left_shade if side == 'left' else right_shade
    colour, w = shade(fig.palette.shirt), fig.widths
    pen.disc(fig[f'{side}_hand'], w['hand'] / 2, fig.palette.skin)
    pen.capsule(fig[f'{side}_shoulder'], fig[f'{side}_elbow'], w['upper_arm'],
                colour)
    pen.capsule(fig[f'{side}_elbow'], fig[f'{side}_wrist'], w['forearm'],
                colour)


def _draw_trunk(pen: _Pen, fig: Figure) -> None:
    """Shirt from the shoulders to the waist, pants from the waist to the
    hips."""
    left = _unit(fig['left_shoulder'] - fig['right_shoulder'])
    up = _unit(fig['shoulder_center'] - fig['pelvis'])
    w = fig.widths
    shoulder, waist, hip = {}, {}, {}
    for side, out in (('left', left), ('right', -left)):
        joint = fig[f'{side}_shoulder']
        shoulder[side] = joint + 0.4 * w['upper_arm'] * (out + up)
        waist[side] = (0.75 * fig[f'{side}_hip'] + 0.25 * joint +
                       0.3 * w['thigh'] * out)
        hip[side] = fig[f'{side}_hip'] + 0.5 * w['thigh'] * out
    neck = fig['shoulder_center'] + 0.3 * w['upper_arm'] * up
    pen.polygon([
        neck + w['neck'] * left, shoulder['left'], waist['left'],
        waist['right'], shoulder['right'], neck - w['neck'] * left
    ], fig.palette.shirt)
    pen.polygon([waist['left'], hip['left'], hip['right'], waist['right']],
                fig.palette.pants)


def _hair_polygon(fig: Figure, half_angle: float) -> np.ndarray:
    """The part of the head within ``half_angle`` of its top, shape
    (N, 2)."""
    center, r = fig['head_center'], fig.head_radius
    up = _unit(fig['head_top'] - center)
    angles = np.linspace(-half_angle, half_angle, 15)
    cos, sin = np.cos(angles)[:, None], np.sin(angles)[:, None]
    normal = np.array([-up[1], up[0]])
    return center + r * (cos * up + sin * normal)


def _draw_head(pen: _Pen, fig: Figure) -> None:
    pal, r = fig.palette, fig.head_radius
    pen.capsule(fig['shoulder_center'], fig['chin'], fig.widths['neck'],
                pal.skin)
    pen.disc(fig['neck'], fig.widths['neck'] / 2, pal.skin)
    for ear in ('left_ear', 'right_ear'):
        pen.disc(fig[ear], 0.25 * r, pal.skin)
    pen.disc(fig['head_center'], r, pal.skin)
    pen.polygon(
        list(_hair_polygon(fig, 2.6 if fig.back_view else 1.2)), pal.hair)
    pen.disc(fig['head_top'], 0.2 * r, pal.hair)
    if not fig.back_view:
        _draw_face(pen, fig)


def _draw_face(pen: _Pen, fig: Figure) -> None:
    """Eyes, nose and mouth at their keypoints; on a face too small to
    show them, skin-coloured dots keep the keypoints on the figure."""
    r, skin = fig.head_radius, fig.palette.skin
    detailed = r >= MIN_FACE_RADIUS
    for eye in ('left_eye', 'right_eye'):
        pen.disc(fig[eye], 0.14 * r, EYE_COLOUR if detailed else skin)
    pen.disc(fig['nose'], 0.12 * r, 0.8 * skin if detailed else skin)
    if detailed:
        mouth = 2 * fig['nose'] - 0.5 * (fig['left_eye'] + fig['right_eye'])
        across = 0.25 * (fig['left_eye'] - fig['right_eye'])
        pen.capsule(mouth - across, mouth + across, 0.08 * r, MOUTH_COLOUR)


def _draw_body(pen: _Pen, fig: Figure) -> None:
    for side in ('right', 'left'):
        _draw_leg(pen, fig, side)
    _draw_trunk(pen, fig)
    _draw_head(pen, fig)
    arms = ('left', 'right') if fig.left_arm_first else ('right', 'left')
    for side in arms:
        _draw_arm(pen, fig, side)


def draw_figure(image: np.ndarray, owner: np.ndarray, index: int,
                fig: Figure) -> None:
    """Draw ``fig`` over ``image`` and mark its pixels in ``owner``.

    Args:
        image (np.ndarray): BGR scene, shape (H, W, 3), uint8; modified.
        owner (np.ndarray): Index of the figure drawn last at each pixel,
            -1 for the background, shape (H, W); modified.
        index (int): This figure's index.
        fig (Figure): The figure.
    """
    height, width = owner.shape
    x0, y0, x1, y1 = np.floor(fig.extent()).astype(int) + [0, 0, 1, 1]
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, width), min(y1, height)
    if x0 >= x1 or y0 >= y1:
        return
    crop = np.zeros((y1 - y0, x1 - x0, 3), np.uint8)
    _draw_body(_Pen(crop, np.array([x0, y0], float)), fig)
    drawn = crop.any(axis=2)
    if fig.stature >= OUTLINE_MIN_STATURE:
        inner = cv2.erode(drawn.astype(np.uint8), np.ones((3, 3), np.uint8))
        edge = drawn & ~inner.astype(bool)
        crop[edge] = (crop[edge] * OUTLINE_DARKEN).astype(np.uint8)
    image[y0:y1, x0:x1][drawn] = crop[drawn]
    owner[y0:y1, x0:x1][drawn] = index
