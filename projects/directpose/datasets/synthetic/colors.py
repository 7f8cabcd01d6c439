"""Colours of the figures and backgrounds (BGR, like OpenCV)."""
from dataclasses import dataclass
from typing import Tuple

import cv2
import numpy as np

Range = Tuple[float, float]
SKIN_TONES = np.array([[200, 220, 250], [160, 190, 235], [120, 160, 210],
                       [80, 120, 175], [55, 85, 130]])
HAIR_COLOURS = np.array([[25, 25, 30], [30, 50, 80], [40, 80, 130],
                         [90, 160, 200], [150, 150, 155]])
SHOE_COLOURS = np.array([[35, 35, 35], [60, 45, 40], [200, 200, 200]])
# How far a limb's shade moves from the clothing colour toward white (the
# person's left side) or toward black (the right side).
LEFT_LIGHTEN = 0.5
RIGHT_DARKEN = 0.5


def random_colours(rng: np.random.Generator, num: int, saturation: Range,
                   value: Range) -> np.ndarray:
    """Sample colours with any hue and saturation/value (in [0, 1]) drawn
    uniformly from the given ranges.

    Returns:
        np.ndarray: BGR colours, shape (num, 3), uint8.
    """
    hue = rng.uniform(0, 180, num)
    sat = rng.uniform(*saturation, num) * 255
    val = rng.uniform(*value, num) * 255
    hsv = np.stack([hue, sat, val], axis=-1).round().astype(np.uint8)
    hsv = hsv.reshape(num, 1, 3)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR).reshape(num, 3)


def _jitter(rng: np.random.Generator, colour: np.ndarray,
            amount: float) -> np.ndarray:
    return np.clip(colour + rng.uniform(-amount, amount, 3), 20, 255)


def left_shade(colour: np.ndarray) -> np.ndarray:
    """The lighter shade worn on the person's left limbs, shape (3, )."""
    return colour + LEFT_LIGHTEN * (255 - colour)


def right_shade(colour: np.ndarray) -> np.ndarray:
    """The darker shade worn on the person's right limbs, shape (3, )."""
    return colour * (1 - RIGHT_DARKEN)


@dataclass(frozen=True)
class Palette:
    """A person's colours, BGR floats of shape (3, ).

    ``shirt`` colours the torso and, shaded, the arms; ``pants`` the hips
    and, shaded, the legs.
    """

    shirt: np.ndarray
    pants: np.ndarray
    skin: np.ndarray
    hair: np.ndarray
    shoes: np.ndarray


def sample_palette(rng: np.random.Generator) -> Palette:
    """Sample saturated clothes (so that figures stand out from muted
    backgrounds), a skin tone, a hair colour and shoes."""
    shirt, pants = random_colours(rng, 2, (0.55, 1.0), (0.55, 0.9))
    skin, hair, shoes = (
        table[rng.integers(len(table))]
        for table in (SKIN_TONES, HAIR_COLOURS, SHOE_COLOURS))
    return Palette(
        shirt=shirt.astype(np.float64),
        pants=pants.astype(np.float64),
        skin=_jitter(rng, skin, 12),
        hair=_jitter(rng, hair, 10),
        shoes=_jitter(rng, shoes, 10))
