"""Presets of the synthetic multi-person datasets."""
from dataclasses import dataclass
from typing import Dict, Tuple, Union


@dataclass(frozen=True)
class SyntheticPreset:
    """How the scenes of one synthetic dataset are drawn.

    Args:
        name (str): The preset's name.
        image_size (tuple[int, int]): Image ``(width, height)`` in pixels.
        min_persons (int): Fewest persons in a non-empty image.
        max_persons (int): Most persons in an image.
        count_decay (float): ``P(n persons)`` is proportional to
            ``count_decay ** n``; 1 samples the count uniformly.
        empty_prob (float): Probability that an image has no person.
        min_height (float): Smallest person stature, as a fraction of the
            image height.
        max_height (float): Largest person stature, as a fraction of the
            image height (shrunk in crowded scenes, see
            :func:`height_range`).
        background (str): ``'plain'`` (a uniform colour with a gentle
            gradient) or ``'textured'`` (noise, stripes, shapes).
        max_overlap (float): Placement tries to keep the part of a
            person's box covered by any other person's box below this
            fraction.
        truncation_prob (float): Probability that a person may be placed
            partly outside the image.
        back_view_prob (float): Probability that a person is seen from the
            back.
        num_train (int): Default number of training images.
        num_val (int): Default number of validation images.
    """

    name: str
    image_size: Tuple[int, int]
    min_persons: int
    max_persons: int
    count_decay: float
    empty_prob: float
    min_height: float
    max_height: float
    background: str
    max_overlap: float
    truncation_prob: float
    back_view_prob: float
    num_train: int
    num_val: int

    def height_range(self, num_persons: int) -> Tuple[float, float]:
        """Stature range, as fractions of the image height, for a scene of
        ``num_persons``: the largest stature shrinks like ``1/sqrt(n)``
        beyond 3 persons so that crowds fit in the image."""
        crowd = min(1.0, (3.0 / max(num_persons, 1))**0.5)
        high = max(self.min_height, self.max_height * crowd)
        return self.min_height, high


SYNTHETIC_PRESETS: Dict[str, SyntheticPreset] = {
    'easy':
    SyntheticPreset(
        name='easy',
        image_size=(128, 128),
        min_persons=1,
        max_persons=3,
        count_decay=1.0,
        empty_prob=0.0,
        min_height=0.45,
        max_height=0.9,
        background='plain',
        max_overlap=0.15,
        truncation_prob=0.0,
        back_view_prob=0.25,
        num_train=400,
        num_val=100),
    'crowd':
    SyntheticPreset(
        name='crowd',
        image_size=(160, 160),
        min_persons=1,
        max_persons=8,
        count_decay=0.9,
        empty_prob=0.0,
        min_height=0.25,
        max_height=0.9,
        background='textured',
        max_overlap=0.4,
        truncation_prob=0.05,
        back_view_prob=0.3,
        num_train=800,
        num_val=200),
    'standard':
    SyntheticPreset(
        name='standard',
        image_size=(256, 256),
        min_persons=1,
        max_persons=12,
        count_decay=0.85,
        empty_prob=0.05,
        min_height=0.08,
        max_height=0.9,
        background='textured',
        max_overlap=0.7,
        truncation_prob=0.15,
        back_view_prob=0.3,
        num_train=600,
        num_val=100),
}


def get_preset(preset: Union[str, SyntheticPreset]) -> SyntheticPreset:
    """Return ``preset`` itself or the preset of that name."""
    if isinstance(preset, SyntheticPreset):
        return preset
    if preset not in SYNTHETIC_PRESETS:
        raise KeyError(f'unknown synthetic preset {preset!r}; choose from '
                       f'{sorted(SYNTHETIC_PRESETS)}')
    return SYNTHETIC_PRESETS[preset]
