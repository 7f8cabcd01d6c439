"""Keypoint results files for the COCO evaluation server (and for local
evaluation): checked entry by entry, written atomically, zipped.

The server takes ``person_keypoints_<split>_<alg>_results.json``, a JSON list
of ``{"image_id", "category_id": 1, "keypoints": [x, y, v] * K, "score"}``,
inside a zip. It keeps the ``maxDets`` = 20 best-scored persons of an image.
"""
import json
import math
import os
import os.path as osp
import re
import zipfile
from collections import defaultdict
from numbers import Real
from typing import Collection, Dict, List, Optional, Sequence, Tuple

from directpose.utils import atomic_open, write_json_atomic

#: persons per image that COCO's keypoint evaluation keeps (``maxDets``)
KEYPOINT_MAX_DETS = 20
PERSON_CATEGORY_ID = 1


class SubmissionError(ValueError):
    """A results entry the evaluation server would reject or misread."""


def results_file_name(split: str, name: str) -> str:
    """``person_keypoints_<split>_<name>_results.json``.

    Underscores separate the fields of the name, so other characters than
    letters, digits, '-' and '.' in ``name`` (underscores included) become
    '-'.
    """
    alg = re.sub(r'[^A-Za-z0-9.-]+', '-', name).strip('-')
    if not alg:
        raise ValueError(f'results name {name!r} has no letter or digit')
    return f'person_keypoints_{split}_{alg}_results.json'


def load_image_ids(image_list_file: str) -> List[int]:
    """Image ids of a COCO-style file with an ``images`` list (an image-info
    file such as ``image_info_test-dev2017.json`` or an annotation file)."""
    if not osp.isfile(image_list_file):
        raise FileNotFoundError(f'image list {image_list_file} not found')
    with open(image_list_file) as f:
        data = json.load(f)
    images = data.get('images') if isinstance(data, dict) else None
    if not isinstance(images, list):
        raise SubmissionError(
            f'{image_list_file}: expected a JSON object with an "images" '
            'list (e.g. image_info_test-dev2017.json)')
    if not images:
        raise SubmissionError(
            f'{image_list_file}: its "images" list is empty: there is no '
            'image to predict')
    try:
        return [int(image['id']) for image in images]
    except (KeyError, TypeError, ValueError) as exc:
        raise SubmissionError(
            f'{image_list_file}: every entry of "images" needs an integer '
            '"id"') from exc


def keep_top_scored(
        results: Sequence[dict],
        max_dets: int = KEYPOINT_MAX_DETS) -> Tuple[List[dict], int]:
    """Keep the ``max_dets`` best-scored persons of each image, which is all
    that the evaluation uses, in the input order.

    Returns:
        tuple: the kept entries and the number dropped.
    """
    by_image = defaultdict(list)
    for index, entry in enumerate(results):
        by_image[entry.get('image_id')].append(index)
    drop = set()
    for indices in by_image.values():
        if len(indices) > max_dets:
            ranked = sorted(
                indices, key=lambda i: -_score_for_ranking(results[i]))
            drop.update(ranked[max_dets:])
    kept = [entry for i, entry in enumerate(results) if i not in drop]
    return kept, len(drop)


def _score_for_ranking(entry: dict) -> float:
    score = entry.get('score')
    if isinstance(score, Real) and math.isfinite(score):
        return float(score)
    return -math.inf  # invalid: the validator names it later


def validate_results(results: Sequence[dict],
                     image_ids: Collection[int],
                     num_keypoints: int,
                     max_dets: Optional[int] = KEYPOINT_MAX_DETS) -> None:
    """Check a keypoint results list as the evaluation server reads it.

    Every entry needs an ``image_id`` from ``image_ids``, ``category_id`` 1,
    ``num_keypoints * 3`` finite keypoint values and a finite ``score``; an
    image has at most ``max_dets`` entries (``None``: any number).

    Non-finite values matter beyond the server's format: xtcocotools counts
    a NaN keypoint distance as a match, so a diverged model's NaN keypoints
    would score a high AP locally.

    Raises:
        SubmissionError: naming the first bad entry (its index and image id)
            and what was expected.
    """
    if not isinstance(results, (list, tuple)):
        raise SubmissionError(
            f'results must be a list of entries, got {type(results).__name__}')
    image_ids = set(image_ids)
    per_image: Dict[int, int] = defaultdict(int)
    for index, entry in enumerate(results):
        where = f'results[{index}]'
        if not isinstance(entry, dict):
            raise SubmissionError(
                f'{where}: expected an object, got {type(entry).__name__}')
        image_id = entry.get('image_id')
        if isinstance(image_id, bool) or not isinstance(image_id, int):
            raise SubmissionError(
                f'{where}: "image_id" must be an integer, got {image_id!r}')
        where = f'{where} (image_id {image_id})'
        if image_id not in image_ids:
            raise SubmissionError(
                f'{where}: image id is not in the image list')
        if entry.get('category_id') != PERSON_CATEGORY_ID:
            raise SubmissionError(
                f'{where}: "category_id" must be {PERSON_CATEGORY_ID} '
                f'(person), got {entry.get("category_id")!r}')
        keypoints = entry.get('keypoints')
        if not isinstance(keypoints, (list, tuple)) or len(keypoints) != \
                num_keypoints * 3:
            got = len(keypoints) if isinstance(keypoints, (list, tuple)) \
                else repr(keypoints)
            raise SubmissionError(
                f'{where}: "keypoints" must hold {num_keypoints}*3 = '
                f'{num_keypoints * 3} values (x, y, score per keypoint), '
                f'got {got}')
        for k, value in enumerate(keypoints):
            if not _is_finite_number(value):
                raise SubmissionError(
                    f'{where}: keypoint value {k} is {value!r}, expected a '
                    'finite number')
        if not _is_finite_number(entry.get('score')):
            raise SubmissionError(
                f'{where}: "score" must be a finite number, got '
                f'{entry.get("score")!r}')
        per_image[image_id] += 1
        if max_dets is not None and per_image[image_id] > max_dets:
            raise SubmissionError(
                f'{where}: more than {max_dets} persons for this image; the '
                f'keypoint evaluation keeps only the {max_dets} best-scored '
                '(keep_top_scored)')


def _is_finite_number(value) -> bool:
    return (isinstance(value, Real) and not isinstance(value, bool)
            and math.isfinite(value))


def write_results_file(results: Sequence[dict],
                       path: str,
                       image_ids: Collection[int],
                       num_keypoints: int,
                       max_dets: int = KEYPOINT_MAX_DETS) -> str:
    """Validate ``results`` (:func:`validate_results`), then write them to
    ``path`` atomically: ``path`` never holds a partial or invalid list.

    Returns:
        str: ``path``.
    """
    validate_results(results, image_ids, num_keypoints, max_dets)
    write_json_atomic(list(results), path)
    return path


def zip_results_file(json_path: str, zip_path: str = None) -> str:
    """Zip a results file for upload (the JSON at the top of the archive),
    atomically. ``zip_path`` defaults to ``json_path`` with ``.zip``."""
    if zip_path is None:
        zip_path = osp.splitext(json_path)[0] + '.zip'
    with atomic_open(zip_path, 'wb') as f, zipfile.ZipFile(
            f, 'w', compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(json_path, arcname=osp.basename(json_path))
    return zip_path


def write_submission(results: Sequence[dict],
                     path: str,
                     image_ids: Collection[int],
                     num_keypoints: int,
                     max_dets: int = KEYPOINT_MAX_DETS) -> str:
    """Write the results JSON (:func:`write_results_file`) and the zip to
    upload (:func:`zip_results_file`), so that the two always match.

    The zip of a previous run is removed before the new JSON is written and
    the new zip is made from it last: a run killed in between leaves the
    new JSON and no zip, never the new JSON beside the old zip. Invalid
    results change nothing.

    Returns:
        str: The path of the zip.
    """
    validate_results(results, image_ids, num_keypoints, max_dets)
    zip_path = osp.splitext(path)[0] + '.zip'
    if osp.exists(zip_path):
        os.remove(zip_path)
    write_results_file(results, path, image_ids, num_keypoints, max_dets)
    return zip_results_file(path, zip_path)
