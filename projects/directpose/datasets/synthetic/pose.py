"""Body shapes and articulated poses of the humanoid figures.

A figure is a 2D kinematic tree rooted at the pelvis: the torso leans, the
neck and head tilt, and every limb has an upper and a lower segment whose
angles are sampled from a few pose families (arms resting, on the hips,
raised, waving, spread or crossed; legs standing, wide, walking, crouching
or lifting a knee). Angles are measured from the torso's downward
direction and grow outward, away from the body. Coordinates are in units
of the figure's stature, with ``x`` to the right and ``y`` down.
"""
from dataclasses import dataclass
from typing import Dict, Tuple

import numpy as np

from .keypoints import JOINTS

Range = Tuple[float, float]
# (upper angle, bend of the lower segment, upper scale, lower scale); the
# scales shorten segments that point toward or away from the camera.
LimbSpec = Tuple[Range, Range, Range, Range]

ARM_MODES: Dict[str, LimbSpec] = {
    'rest': ((0.05, 0.35), (-0.1, 0.5), (0.9, 1.0), (0.85, 1.0)),
    'hips': ((0.5, 0.9), (-2.1, -1.5), (0.85, 1.0), (0.8, 1.0)),
    'raised': ((2.3, 3.0), (-0.4, 0.4), (0.85, 1.0), (0.85, 1.0)),
    'wave': ((1.2, 1.8), (1.0, 1.7), (0.85, 1.0), (0.85, 1.0)),
    'spread': ((1.1, 1.8), (-0.4, 0.4), (0.8, 1.0), (0.8, 1.0)),
    'across': ((-0.25, 0.25), (-2.0, -1.2), (0.8, 1.0), (0.75, 0.95)),
}
STAND: LimbSpec = ((-0.05, 0.15), (-0.1, 0.1), (0.92, 1.0), (0.92, 1.0))
# Leg families: (spec of one leg, spec of the other leg).
LEG_MODES: Dict[str, Tuple[LimbSpec, LimbSpec]] = {
    'stand': (STAND, STAND),
    'wide': (((0.2, 0.45), (-0.4, -0.1), (0.9, 1.0), (0.9, 1.0)), ) * 2,
    'walk': (((-0.05, 0.2), (0.0, 0.3), (0.7, 0.9), (0.85, 1.0)), STAND),
    'crouch': (((0.7, 1.2), (-1.6, -1.0), (0.5, 0.8), (0.9, 1.0)), ) * 2,
    'knee_up': (((0.2, 0.7), (-1.6, -0.8), (0.6, 0.9), (0.9, 1.0)), STAND),
}


@dataclass(frozen=True)
class BodyShape:
    """Segment sizes of a figure, in units of its stature.

    ``build`` scales every limb's thickness (see
    :func:`~.figure.limb_widths`).
    """

    head_radius: float
    neck: float
    torso: float
    shoulder_half: float
    hip_half: float
    upper_arm: float
    forearm: float
    hand: float
    thigh: float
    shin: float
    foot: float
    build: float


@dataclass(frozen=True)
class LimbPose:
    """Angles (radians) and foreshortening of a two-segment limb."""

    angle: float
    bend: float
    upper_scale: float
    lower_scale: float


@dataclass(frozen=True)
class Pose:
    """An articulated pose.

    Args:
        back_view (bool): Seen from the back: the person's left side is on
            the image's left and the face is hidden.
        lean (float): Torso angle from upright, radians.
        torso_scale (float): Foreshortening of the torso (bending).
        head_tilt (float): Head angle relative to the torso, radians.
        yaw (float): Body turn; shoulders and hips narrow by ``cos(yaw)``.
        face_turn (float): In [-1, 1]; the face features shift by
            ``0.4 * face_turn`` head radii toward the person's left side.
        arms (tuple[LimbPose, LimbPose]): Left and right arm.
        legs (tuple[LimbPose, LimbPose]): Left and right leg.
    """

    back_view: bool
    lean: float
    torso_scale: float
    head_tilt: float
    yaw: float
    face_turn: float
    arms: Tuple[LimbPose, LimbPose]
    legs: Tuple[LimbPose, LimbPose]


def sample_shape(rng: np.random.Generator) -> BodyShape:
    """Sample body proportions around an average adult's."""

    def vary(value: float, spread: float = 0.08) -> float:
        return value * rng.uniform(1 - spread, 1 + spread)

    return BodyShape(
        head_radius=vary(0.068, 0.1),
        neck=vary(0.05, 0.15),
        torso=vary(0.29),
        shoulder_half=vary(0.12, 0.12),
        hip_half=vary(0.08, 0.12),
        upper_arm=vary(0.18),
        forearm=vary(0.15),
        hand=vary(0.05),
        thigh=vary(0.245),
        shin=vary(0.235),
        foot=vary(0.06),
        build=rng.uniform(0.85, 1.25))


def _sample_limb(rng: np.random.Generator, spec: LimbSpec) -> LimbPose:
    return LimbPose(*(float(rng.uniform(*bounds)) for bounds in spec))


def _sample_arms(rng: np.random.Generator,
                 back_view: bool) -> Tuple[LimbPose, LimbPose]:
    # Seen from the back, a forearm across the chest would be hidden.
    modes = [m for m in ARM_MODES if not (back_view and m == 'across')]
    left = modes[rng.integers(len(modes))]
    right = left if rng.random() < 0.4 else modes[rng.integers(len(modes))]
    return (_sample_limb(rng,
                         ARM_MODES[left]), _sample_limb(rng, ARM_MODES[right]))


def _sample_legs(rng: np.random.Generator) -> Tuple[LimbPose, LimbPose]:
    names = list(LEG_MODES)
    first, second = LEG_MODES[names[rng.integers(len(names))]]
    legs = (_sample_limb(rng, first), _sample_limb(rng, second))
    return legs if rng.random() < 0.5 else legs[::-1]


def sample_pose(rng: np.random.Generator, back_view_prob: float) -> Pose:
    """Sample a random articulated pose.

    Args:
        rng (np.random.Generator): Random generator.
        back_view_prob (float): Probability of a view from the back.

    Returns:
        Pose: The pose.
    """
    back_view = bool(rng.random() < back_view_prob)
    arms = _sample_arms(rng, back_view)
    legs = _sample_legs(rng)
    crouching = min(leg.upper_scale for leg in legs) < 0.85
    yaw = float(rng.uniform(-0.6, 0.6))
    return Pose(
        back_view=back_view,
        lean=float(np.clip(rng.normal(0, 0.1), -0.3, 0.3)),
        torso_scale=float(
            rng.uniform(*((0.8, 0.92) if crouching else (0.92, 1.0)))),
        head_tilt=float(np.clip(rng.normal(0, 0.12), -0.3, 0.3)),
        yaw=yaw,
        face_turn=float(
            np.sin(np.clip(yaw + rng.uniform(-0.5, 0.5), -1.2, 1.2))),
        arms=arms,
        legs=legs)


def _rotate(vec: np.ndarray, angle: float) -> np.ndarray:
    cos, sin = np.cos(angle), np.sin(angle)
    return np.array([cos * vec[0] - sin * vec[1], sin * vec[0] + cos * vec[1]])


def _add_limb(pts: Dict[str, np.ndarray], names: Tuple[str, str, str],
              lengths: Tuple[float, float], limb: LimbPose, down: np.ndarray,
              out: np.ndarray) -> np.ndarray:
    """Add the middle and end joints of a limb hanging from
    ``pts[names[0]]`` and return the lower segment's (foreshortened)
    direction, shape (2, )."""

    def direction(angle: float) -> np.ndarray:
        return np.cos(angle) * down + np.sin(angle) * out

    upper = direction(limb.angle) * lengths[0] * limb.upper_scale
    lower = direction(limb.angle + limb.bend) * limb.lower_scale
    pts[names[1]] = pts[names[0]] + upper
    pts[names[2]] = pts[names[1]] + lower * lengths[1]
    return lower


def _add_head(pts: Dict[str, np.ndarray], shape: BodyShape, pose: Pose,
              up: np.ndarray, left: np.ndarray) -> None:
    head_up = _rotate(up, pose.head_tilt)
    head_left = _rotate(left, pose.head_tilt)
    r = shape.head_radius
    shoulders = pts['shoulder_center']
    pts['neck'] = shoulders + 0.3 * shape.neck * head_up
    pts['chin'] = shoulders + shape.neck * head_up
    center = pts['chin'] + r * head_up
    pts['head_center'] = center
    pts['head_top'] = center + 0.88 * r * head_up
    turn = 0.4 * pose.face_turn
    eye_gap = 0.36 * (1 - 0.3 * abs(pose.face_turn))
    pts['nose'] = center + r * (turn * head_left - 0.12 * head_up)
    for side, sign in (('left', 1), ('right', -1)):
        pts[f'{side}_eye'] = center + r * (
            (turn + sign * eye_gap) * head_left + 0.18 * head_up)
        pts[f'{side}_ear'] = center + sign * 0.95 * r * head_left


def pose_joints(shape: BodyShape, pose: Pose) -> np.ndarray:
    """Place the figure's joints.

    Args:
        shape (BodyShape): Body proportions.
        pose (Pose): Joint angles.

    Returns:
        np.ndarray: Joint coordinates in stature units with the pelvis at
        the origin, shape (len(JOINTS), 2), in :data:`JOINTS` order.
    """
    up = _rotate(np.array([0.0, -1.0]), pose.lean)
    # The person's left side is on the image's right when facing us.
    left = _rotate(np.array([1.0, 0.0]), pose.lean)
    left = -left if pose.back_view else left
    width = np.cos(pose.yaw)
    pts = {'pelvis': np.zeros(2)}
    pts['shoulder_center'] = shape.torso * pose.torso_scale * up
    for side, sign, arm, leg in zip(('left', 'right'), (1, -1), pose.arms,
                                    pose.legs):
        out = sign * left
        pts[f'{side}_shoulder'] = (
            pts['shoulder_center'] + shape.shoulder_half * width * out)
        pts[f'{side}_hip'] = shape.hip_half * width * out
        forearm = _add_limb(
            pts, (f'{side}_shoulder', f'{side}_elbow', f'{side}_wrist'),
            (shape.upper_arm, shape.forearm), arm, -up, out)
        pts[f'{side}_hand'] = pts[f'{side}_wrist'] + shape.hand * forearm
        _add_limb(pts, (f'{side}_hip', f'{side}_knee', f'{side}_ankle'),
                  (shape.thigh, shape.shin), leg, -up, out)
        toe = -up + 0.35 * out
        pts[f'{side}_toe'] = (
            pts[f'{side}_ankle'] + shape.foot * toe / np.linalg.norm(toe))
    _add_head(pts, shape, pose, up, left)
    return np.stack([pts[name] for name in JOINTS])
