"""COCO-style datasets that say which file and which entry is wrong, and
survive bad images in training.

mmpose's :class:`~mmpose.datasets.CocoDataset` reads annotations as they
come: a keypoint list of the wrong length fails later in a reshape or a
shape mismatch without naming the file, a malformed entry fails with a bare
``KeyError``, keypoints outside their image are trained on as if visible, and
one missing or undecodable image stops a training run. The datasets here
check each entry when the annotation file is read and, in training only,
skip an image that cannot be loaded with a warning naming it (mmengine's
``BaseDataset`` then draws another one). ``docs/robustness.md`` lists the
behaviour for every case.
"""
import json
import logging
from collections import defaultdict
from numbers import Number
from typing import Dict, List, Optional, Tuple

import mmcv
import numpy as np
from mmengine.fileio import exists, get, get_text
from mmengine.logging import print_log
from mmpose.datasets import CocoDataset, CrowdPoseDataset
from mmpose.registry import DATASETS


class AnnotationError(ValueError):
    """An annotation file or one of its entries is malformed."""


class ImageLoadError(OSError):
    """An image of the dataset is missing or cannot be decoded."""


class CheckedDatasetMixin:
    """Checks for mmpose's COCO-style datasets (put it before the dataset
    class in the bases).

    When the annotation file is read:

    * a file that is not JSON or lacks ``images``/``annotations``, an image
      entry without ``id``/``file_name``/``width``/``height``, an annotation
      whose ``keypoints`` is not 3 numbers per keypoint of the metainfo,
      whose ``bbox`` is not 4 numbers, whose keypoints, ``bbox`` or
      ``area`` hold NaN or infinity or whose ``category_id`` is not 1
      (the person) raise :class:`AnnotationError` naming the file and the
      entry;
    * an annotation with a zero-area or negative box is skipped, labelled
      keypoints outside their image are made invisible, and both are
      reported in one warning per file with the annotation ids;
    * in training, images without a person are not used (as in mmpose) and
      counted in the log;
    * a file without images, or, in training, without a usable person,
      raises :class:`AnnotationError`.

    When a sample is loaded, a missing or undecodable image is skipped with a
    warning in training, and raises :class:`ImageLoadError` in test mode
    (every image must be evaluated).
    """

    def _load_annotations(self) -> Tuple[List[dict], List[dict]]:
        if not exists(self.ann_file):
            raise FileNotFoundError(
                f'annotation file {self.ann_file} does not exist')
        self._report = defaultdict(list)
        try:
            instances, images = super()._load_annotations()
        except AnnotationError:
            raise
        except Exception as exc:
            raise AnnotationError(self._explain(exc)) from exc
        self._check_top_level()
        self._log_report()
        if not images:
            raise AnnotationError(
                f"{self.ann_file} lists no images ('images' is empty): there "
                f"is nothing to {'test' if self.test_mode else 'train'} on.")
        if not instances and not self.test_mode:
            raise AnnotationError(
                f'{self.ann_file}: none of its {len(images)} images has a '
                'usable person annotation (see the warnings above): there is '
                'nothing to train on.')
        return instances, images

    def parse_data_info(self, raw_data_info: dict) -> Optional[dict]:
        ann = raw_data_info['raw_ann_info']
        img = raw_data_info['raw_img_info']
        self._check_image_entry(img)
        if 'bbox' not in ann or 'keypoints' not in ann:
            self._report['no keypoints or box'].append(ann.get('id'))
            return None
        self._check_annotation(ann)
        if ann['bbox'][2] <= 0 or ann['bbox'][3] <= 0:
            self._report['zero-area or negative box'].append(ann['id'])
            return None
        info = super().parse_data_info(raw_data_info)
        if info is not None:
            self._hide_keypoints_outside(info, img, ann['id'])
        return info

    def _get_bottomup_data_infos(self, instance_list: List[Dict],
                                 image_list: List[Dict]) -> List[Dict]:
        data_list = super()._get_bottomup_data_infos(instance_list, image_list)
        unused = len(image_list) - len(data_list)
        if unused and not self.test_mode:
            print_log(
                f'{self.ann_file}: {unused} of {len(image_list)} images '
                'have no person annotation and are not used for training.',
                logger='current')
        return data_list

    def prepare_data(self, idx) -> Optional[dict]:
        try:
            return super().prepare_data(idx)
        except Exception as exc:
            img_path = self.get_data_info(idx).get('img_path')
            problem = _image_problem(img_path)
            if problem is None:
                raise  # the image is fine: not a data problem
            message = (f'image {img_path} (image id '
                       f"{self.get_data_info(idx).get('img_id')} in "
                       f'{self.ann_file}) {problem}')
            if self.test_mode:
                raise ImageLoadError(
                    f'{message}; every image is evaluated, so restore it or '
                    'remove it from the annotation file.') from exc
            print_log(
                f'{message}: skipped, another image is used instead.',
                logger='current',
                level=logging.WARNING)
            return None  # BaseDataset then draws another index

    # checks ---------------------------------------------------------------

    def _check_image_entry(self, img: dict) -> None:
        missing = [k for k in ('file_name', 'width', 'height') if k not in img]
        if missing:
            raise AnnotationError(
                f"{self.ann_file}: image id {img.get('id')} has no "
                f"{', '.join(repr(k) for k in missing)}.")

    def _check_annotation(self, ann: dict) -> None:
        num_keypoints = self.metainfo['num_keypoints']
        where = (f"{self.ann_file}: annotation id {ann.get('id')} (image id "
                 f"{ann.get('image_id')})")
        keypoints = ann['keypoints']
        if not _numbers(keypoints):
            raise AnnotationError(f"{where}: 'keypoints' must be a list of "
                                  f'numbers, got {_short(keypoints)}.')
        if len(keypoints) != 3 * num_keypoints:
            raise AnnotationError(
                f"{where}: 'keypoints' has {len(keypoints)} values, "
                f'{len(keypoints) / 3:g} keypoints, but the dataset\'s '
                f"metainfo ({self.metainfo.get('dataset_name')}) has "
                f'{num_keypoints} keypoints (x, y, v each). The annotation '
                "file and the config's dataset type or metainfo must "
                'describe the same skeleton.')
        if not (_numbers(ann['bbox']) and len(ann['bbox']) == 4):
            raise AnnotationError(f"{where}: 'bbox' must be 4 numbers "
                                  f"(x, y, w, h), got {_short(ann['bbox'])}.")
        self._check_finite(ann, where)
        if ann.get('category_id', 1) != 1:
            # RTMO and YOLOX-Pose label a person category_id - 1 among one
            # class: another id is an index error (a CUDA assert on GPUs)
            raise AnnotationError(
                f"{where}: 'category_id' is {ann['category_id']!r}, but "
                'keypoint annotations must be of the person category, id 1 '
                '(as in COCO and CrowdPose); renumber the category.')

    def _check_finite(self, ann: dict, where: str) -> None:
        """NaN and inf pass every range check (comparisons with NaN are
        false): they would reach the losses in training and count as matches
        in xtcocotools' evaluation, so they are an error."""
        values = dict(keypoints=ann['keypoints'], bbox=ann['bbox'])
        if 'area' in ann:
            if not _numbers([ann['area']]):
                raise AnnotationError(f"{where}: 'area' must be a number, "
                                      f"got {_short(ann['area'])}.")
            values['area'] = [ann['area']]
        for key, numbers in values.items():
            bad = np.flatnonzero(~np.isfinite(np.asarray(numbers, float)))
            if bad.size:
                if key == 'keypoints':
                    place = ('at keypoint(s) '
                             f'{sorted({int(i) // 3 for i in bad})}')
                else:
                    place = f'at position(s) {bad.tolist()}: {numbers}'
                raise AnnotationError(
                    f"{where}: '{key}' has non-finite values (NaN or "
                    f'infinity) {place}. Fix or remove the annotation.')

    def _hide_keypoints_outside(self, info: dict, img: dict,
                                ann_id: int) -> None:
        xy, visible = info['keypoints'][0], info['keypoints_visible'][0]
        outside = (visible > 0) & ((xy[:, 0] < 0) | (xy[:, 1] < 0)
                                   | (xy[:, 0] > img['width'])
                                   | (xy[:, 1] > img['height']))
        if outside.any():
            visible[outside] = 0
            info['num_keypoints'] = int(np.count_nonzero(visible))
            self._report['keypoints outside the image (made invisible)'] \
                .append(ann_id)

    def _check_top_level(self) -> None:
        dataset = self.coco.dataset
        # testing may read an image list without annotations (test-dev)
        required = ['images'] if self.test_mode else ['images', 'annotations']
        missing = [k for k in required if k not in dataset]
        if missing:
            raise AnnotationError(
                f'{self.ann_file} is not a COCO keypoint file: it has no '
                f"{' or '.join(repr(k) for k in missing)} list.")

    def _explain(self, exc: Exception) -> str:
        """Name the entry behind an error in the COCO API or mmpose."""
        try:
            dataset = json.loads(get_text(self.ann_file))
        except ValueError as json_error:
            return f'{self.ann_file} is not a valid JSON file: {json_error}.'
        if not isinstance(dataset, dict):
            return (f'{self.ann_file} is not a COCO keypoint file: a JSON '
                    f'object was expected, got a {type(dataset).__name__}.')
        for key, required in (('images', ('id', 'file_name', 'width',
                                          'height')), ('annotations',
                                                       ('id', 'image_id'))):
            for i, entry in enumerate(dataset.get(key) or []):
                missing = [
                    k for k in required
                    if not isinstance(entry, dict) or k not in entry
                ]
                if missing:
                    return (f'{self.ann_file}: {key}[{i}] '
                            f'({_short(entry)}) has no '
                            f"{', '.join(repr(k) for k in missing)}.")
        return f'{self.ann_file}: {type(exc).__name__}: {exc}'

    def _log_report(self) -> None:
        if not self._report:
            return
        lines = [
            f'{len(ids)} annotation(s) with {what}: ids {_short(ids)}'
            for what, ids in self._report.items()
        ]
        print_log(
            f'{self.ann_file}: skipped or fixed when read:\n  ' +
            '\n  '.join(lines),
            logger='current',
            level=logging.WARNING)


def _numbers(values) -> bool:
    return isinstance(values, (list, tuple)) and all(
        isinstance(v, Number) and not isinstance(v, bool) for v in values)


def _short(value, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'


def _image_problem(img_path: Optional[str]) -> Optional[str]:
    """Why ``img_path`` cannot be loaded, or None if it can."""
    if img_path is None:
        return None
    if not exists(img_path):
        return 'does not exist'
    try:
        img = mmcv.imfrombytes(get(img_path))
    except Exception as exc:  # an unreadable file, an unknown format
        return f'cannot be read ({exc})'
    return 'cannot be decoded as an image' if img is None else None


@DATASETS.register_module()
class CheckedCocoDataset(CheckedDatasetMixin, CocoDataset):
    """mmpose's :class:`~mmpose.datasets.CocoDataset` with the checks of
    :class:`CheckedDatasetMixin`."""


@DATASETS.register_module()
class CheckedCrowdPoseDataset(CheckedDatasetMixin, CrowdPoseDataset):
    """mmpose's :class:`~mmpose.datasets.CrowdPoseDataset` with the checks of
    :class:`CheckedDatasetMixin`."""
