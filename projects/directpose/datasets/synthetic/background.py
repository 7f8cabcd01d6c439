"""Backgrounds: plain gradients (preset ``easy``) or textures (smooth
noise, stripes and random shapes in muted colours)."""
from typing import Callable, Dict, Tuple

import cv2
import numpy as np

from .colors import random_colours

MUTED_SATURATION = (0.0, 0.3)
MUTED_VALUE = (0.3, 0.8)
Size = Tuple[int, int]  # (width, height)


def _muted(rng: np.random.Generator, num: int) -> np.ndarray:
    return random_colours(rng, num, MUTED_SATURATION,
                          MUTED_VALUE).astype(np.float32)


def _plane_wave(size: Size, fx: float, fy: float) -> np.ndarray:
    """``fx * x + fy * y`` at every pixel, shape (H, W), float32."""
    xs = np.arange(size[0], dtype=np.float32) * np.float32(fx)
    ys = np.arange(size[1], dtype=np.float32) * np.float32(fy)
    return ys[:, None] + xs[None, :]


def _gradient(rng: np.random.Generator, size: Size,
              strength: float) -> np.ndarray:
    """A colour with a linear ramp of up to ``strength`` grey levels,
    shape (H, W, 3), float32."""
    angle = rng.uniform(0, 2 * np.pi)
    ramp = _plane_wave(size, np.cos(angle) / size[0], np.sin(angle) / size[1])
    ramp *= strength * rng.uniform(0.3, 1.0)
    return _muted(rng, 1) + ramp[..., None]


def _smooth_noise(rng: np.random.Generator, size: Size) -> np.ndarray:
    cells = rng.integers(2, 9, 2)
    grid = _muted(rng, int(cells.prod())).reshape(cells[0], cells[1], 3)
    return cv2.resize(grid, size, interpolation=cv2.INTER_CUBIC)


def _stripes(rng: np.random.Generator, size: Size) -> np.ndarray:
    angle = rng.uniform(0, np.pi)
    frequency = 2 * np.pi / rng.uniform(6, 40)
    phase = _plane_wave(size, frequency * np.cos(angle),
                        frequency * np.sin(angle))
    mix = (0.5 + 0.5 * np.sin(phase))[..., None]
    low, high = _muted(rng, 2)
    return low + mix * (high - low)


def _add_shapes(rng: np.random.Generator, image: np.ndarray) -> None:
    """Draw 3-15 muted ellipses, rectangles and triangles on ``image``."""
    height, width = image.shape[:2]
    scale = min(width, height)
    for colour in _muted(rng, int(rng.integers(3, 16))):
        center = rng.uniform(0, 1, 2) * (width, height)
        axes = rng.uniform(0.03, 0.25, 2) * scale
        kind = rng.integers(3)
        if kind == 0:
            cv2.ellipse(image, tuple(center.astype(int)),
                        tuple(axes.astype(int)), rng.uniform(0, 180), 0, 360,
                        colour.tolist(), -1)
        else:
            corners = 3 if kind == 1 else 4
            pts = center + rng.uniform(-1, 1, (corners, 2)) * axes
            cv2.fillPoly(image, [pts.astype(np.int32)], colour.tolist())


def _soft_gradient(rng: np.random.Generator, size: Size) -> np.ndarray:
    return _gradient(rng, size, 60)


TEXTURES: Dict[str, Callable[[np.random.Generator, Size], np.ndarray]] = {
    'noise': _smooth_noise,
    'stripes': _stripes,
    'gradient': _soft_gradient,
}


def render_background(rng: np.random.Generator, size: Size,
                      style: str) -> np.ndarray:
    """Render a background.

    Args:
        rng (np.random.Generator): Random generator.
        size (tuple[int, int]): Image ``(width, height)``.
        style (str): ``'plain'``: one muted colour with a gentle gradient;
            ``'textured'``: smooth noise, stripes or a gradient, overlaid
            with random shapes and grain.

    Returns:
        np.ndarray: BGR image, shape (H, W, 3), uint8.
    """
    if style == 'plain':
        image = _gradient(rng, size, 20)
    elif style == 'textured':
        names = sorted(TEXTURES)
        image = TEXTURES[names[rng.integers(len(names))]](rng, size)
        image = np.ascontiguousarray(image)
        _add_shapes(rng, image)
        grain = rng.standard_normal(image.shape[:2], np.float32)
        image = image + (grain * rng.uniform(0, 6))[..., None]
    else:
        raise ValueError(f'unknown background style {style!r}')
    return np.clip(np.round(image), 0, 255).astype(np.uint8)
