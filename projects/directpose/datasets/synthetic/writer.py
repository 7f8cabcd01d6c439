"""Writing synthetic datasets in COCO or CrowdPose format.

Layout under ``out_dir``::

    annotations/train.json  annotations/val.json
    train/000000000001.jpg ...  val/000001000001.jpg ...

Every image is drawn from its own random generator seeded with
``(seed, split, index)``, so an image does not depend on the others or on
the order they are made in. Every file is written to a temporary name and
renamed; the annotation files are written last, so a dataset is complete
when both exist.
"""
import glob
import json
import os
import os.path as osp
import tempfile
import warnings
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from .keypoints import SCHEMES, KeypointScheme
from .presets import SyntheticPreset, get_preset
from .scene import Scene, annotate_scene, compose_scene, sample_num_persons

SPLITS = ('train', 'val')
# Image ids: train 1, 2, ...; val 1000001, ... (independent of num_train).
FIRST_IMAGE_ID = dict(train=1, val=1_000_001)
ANN_IDS_PER_IMAGE = 1000  # annotation id = image id * 1000 + draw index + 1
JPEG_QUALITY = 95
# How the annotation files place keypoints, recorded in their ``info``: a
# dataset written before (at pixel centre + 0.5) is reported as made
# otherwise (see :func:`.scene.annotate_figure`).
KEYPOINT_CONVENTION = 'pixel indices'


def _write_atomic(path: str, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it.

    Unlike :func:`directpose.utils.atomic_open` this does not fsync: it
    guards against interrupted runs, not power loss, and syncing every
    image would double the generation time.
    """
    fd, tmp = tempfile.mkstemp(
        dir=osp.dirname(path), prefix=f'.{osp.basename(path)}.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.remove(tmp)
        raise


def render_image(preset: SyntheticPreset, seed: int, split: str,
                 index: int) -> Scene:
    """The scene of image ``index`` of ``split``."""
    rng = np.random.default_rng([seed, SPLITS.index(split), index])
    num_persons = sample_num_persons(rng, preset)
    return compose_scene(rng, preset, num_persons, preset.image_size)


def crowd_index(anns: Sequence[dict]) -> float:
    """CrowdPose's crowd index of an image.

    For each person, the number of other persons' labelled keypoints inside
    its bbox divided by its own number of labelled keypoints, averaged over
    the persons; 0 with fewer than two persons.
    """
    if len(anns) < 2:
        return 0.0
    kpts = [np.reshape(ann['keypoints'], (-1, 3)) for ann in anns]
    ratios = []
    for i, ann in enumerate(anns):
        x, y, w, h = ann['bbox']
        others = np.concatenate(kpts[:i] + kpts[i + 1:])
        inside = ((others[:, 2] > 0) & (others[:, 0] >= x) &
                  (others[:, 0] <= x + w) & (others[:, 1] >= y) &
                  (others[:, 1] <= y + h))
        ratios.append(inside.sum() / ann['num_keypoints'])
    return float(np.mean(ratios))


def _annotate_image(scene: Scene, scheme: KeypointScheme, image_id: int,
                    file_name: str) -> Tuple[dict, List[dict]]:
    """The ``images`` entry and the ``annotations`` of one image."""
    height, width = scene.owner.shape
    anns = []
    for index, ann in annotate_scene(scene, scheme).items():
        ann_id = image_id * ANN_IDS_PER_IMAGE + index + 1
        anns.append(dict(id=ann_id, image_id=image_id, **ann))
    image = dict(id=image_id, file_name=file_name, width=width, height=height)
    if scheme.name == 'crowdpose':
        image['crowdIndex'] = crowd_index(anns)
    return image, anns


def _write_split(out_dir: str, preset: SyntheticPreset, scheme: KeypointScheme,
                 seed: int, split: str, num_images: int) -> dict:
    """Write the images of ``split`` and return its annotation file's
    content."""
    images: List[dict] = []
    annotations: List[dict] = []
    os.makedirs(osp.join(out_dir, split), exist_ok=True)
    for index in range(num_images):
        image_id = FIRST_IMAGE_ID[split] + index
        file_name = f'{image_id:012d}.jpg'
        scene = render_image(preset, seed, split, index)
        jpeg = cv2.imencode('.jpg', scene.image,
                            [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])[1]
        _write_atomic(osp.join(out_dir, split, file_name), jpeg.tobytes())
        image, anns = _annotate_image(scene, scheme, image_id, file_name)
        images.append(image)
        annotations.extend(anns)
    info = dict(
        description=f'synthetic-{scheme.name} ({preset.name} preset)',
        preset=preset.name,
        format=scheme.name,
        seed=seed,
        split=split,
        keypoints=KEYPOINT_CONVENTION)
    return dict(
        info=info,
        licenses=[],
        images=images,
        annotations=annotations,
        categories=[scheme.category()])


def _paths(out_dir: str) -> Dict[str, str]:
    paths = {}
    for split in SPLITS:
        paths[f'{split}_ann'] = osp.join(out_dir, 'annotations',
                                         f'{split}.json')
        paths[f'{split}_img_dir'] = osp.join(out_dir, split)
    return paths


def _summary(paths: Dict[str, str], contents: Dict[str, dict],
             generated: bool) -> dict:
    summary = dict(paths, generated=generated)
    for split, content in contents.items():
        summary[f'num_{split}_images'] = len(content['images'])
        summary[f'num_{split}_persons'] = len(content['annotations'])
    return summary


def _reuse(paths: Dict[str, str], settings: dict, counts: dict) -> dict:
    """Summarise a complete dataset, warning if it was made otherwise."""
    contents = {}
    for split in SPLITS:
        with open(paths[f'{split}_ann']) as f:
            contents[split] = json.load(f)
        info = contents[split].get('info', {})
        made = {key: info.get(key) for key in settings}
        made['num_images'] = len(contents[split]['images'])
        wanted = dict(settings, num_images=counts[split])
        if made != wanted:
            warnings.warn(f'{paths[f"{split}_ann"]} was made with {made}, '
                          f'not {wanted}; pass force=True to regenerate')
    return _summary(paths, contents, generated=False)


def _clear(paths: Dict[str, str]) -> None:
    """Remove the annotation files first, then the images."""
    for split in SPLITS:
        if osp.exists(paths[f'{split}_ann']):
            os.remove(paths[f'{split}_ann'])
    for split in SPLITS:
        for pattern in ('*.jpg', '.*.tmp'):
            for name in glob.glob(
                    osp.join(paths[f'{split}_img_dir'], pattern)):
                os.remove(name)


def make_synthetic_dataset(out_dir: str,
                           preset: Union[str, SyntheticPreset] = 'easy',
                           fmt: str = 'coco',
                           num_train: Optional[int] = None,
                           num_val: Optional[int] = None,
                           seed: int = 0,
                           force: bool = False) -> dict:
    """Generate a synthetic multi-person keypoint dataset.

    An existing complete dataset (both annotation files present) is left
    untouched unless ``force``; a half-written one is regenerated.

    Args:
        out_dir (str): Output folder.
        preset (str | SyntheticPreset): ``'easy'``, ``'standard'`` or a
            preset. Defaults to ``'easy'``.
        fmt (str): ``'coco'`` (17 keypoints) or ``'crowdpose'`` (14
            keypoints, with ``crowdIndex``). Defaults to ``'coco'``.
        num_train (int, optional): Training images; the preset's default
            if None.
        num_val (int, optional): Validation images; the preset's default
            if None.
        seed (int): Seed of every image's random generator.
        force (bool): Regenerate even if the dataset is complete.

    Returns:
        dict: ``train_ann``, ``val_ann`` (annotation files),
        ``train_img_dir``, ``val_img_dir``, ``num_train_images``,
        ``num_val_images``, ``num_train_persons``, ``num_val_persons`` and
        ``generated`` (False when an existing dataset was kept).
    """
    preset = get_preset(preset)
    if fmt not in SCHEMES:
        raise ValueError(f'fmt must be one of {sorted(SCHEMES)}, not {fmt!r}')
    counts = dict(
        train=preset.num_train if num_train is None else num_train,
        val=preset.num_val if num_val is None else num_val)
    if counts['train'] >= FIRST_IMAGE_ID['val']:
        raise ValueError(f'at most {FIRST_IMAGE_ID["val"] - 1} train images')
    paths = _paths(out_dir)
    if not force and all(osp.isfile(paths[f'{s}_ann']) for s in SPLITS):
        settings = dict(
            preset=preset.name,
            format=fmt,
            seed=seed,
            keypoints=KEYPOINT_CONVENTION)
        return _reuse(paths, settings, counts)
    _clear(paths)
    scheme = SCHEMES[fmt]
    contents = {
        split: _write_split(out_dir, preset, scheme, seed, split, num)
        for split, num in counts.items()
    }
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)
    for split in SPLITS:
        text = json.dumps(contents[split], separators=(',', ':'))
        _write_atomic(paths[f'{split}_ann'], text.encode())
    return _summary(paths, contents, generated=True)
