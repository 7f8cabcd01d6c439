"""A COCO-style keypoint dataset cut down to a subset of its keypoints.

Training on another keypoint set (K = 5, say) needs annotations with K
keypoints per person and the metainfo file that mmpose's datasets, flips,
OKS and metrics read (names, left/right swaps, skeleton, joint weights,
sigmas). :func:`make_keypoint_subset` writes both from an existing dataset;
``docs/custom_keypoints.md`` says what each method's config then needs.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Sequence

from mmengine.config import Config
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from directpose.utils import atomic_open, write_json_atomic


def _dataset_info(metainfo_file: str) -> Config:
    """The ``dataset_info`` of a metainfo file; a name under
    ``configs/_base_/datasets/`` that is not here is mmpose's, as
    ``metainfo=dict(from_file=...)`` resolves it."""
    if not osp.isfile(metainfo_file):
        import mmpose
        ours = metainfo_file
        metainfo_file = osp.join(
            osp.dirname(mmpose.__file__), '.mim', 'configs', '_base_',
            'datasets', osp.basename(metainfo_file))
        if not osp.isfile(metainfo_file):
            raise FileNotFoundError(f'metainfo file {ours} does not exist')
    return Config.fromfile(metainfo_file).dataset_info


def _keypoint_names(info: Config) -> List[str]:
    return [info.keypoint_info[i]['name'] for i in sorted(info.keypoint_info)]


def subset_metainfo(metainfo_file: str, names: Sequence[str],
                    dataset_name: str) -> dict:
    """The ``dataset_info`` of the keypoints ``names`` (in that order) of
    ``metainfo_file``: left/right swaps kept where both sides are kept,
    skeleton links between kept keypoints, their joint weights and sigmas.

    Raises:
        ValueError: A name is not a keypoint of the metainfo, or repeats.
    """
    info = _dataset_info(metainfo_file)
    available = _keypoint_names(info)
    unknown = [n for n in names if n not in available]
    if unknown or len(set(names)) != len(names) or not names:
        raise ValueError(
            f'keypoints {list(names)}: expected distinct names among the '
            f'keypoints of {metainfo_file}: {available}' +
            (f' (unknown: {unknown})' if unknown else ''))
    old = [available.index(n) for n in names]
    keypoint_info = {}
    for new_id, (name, old_id) in enumerate(zip(names, old)):
        entry = dict(info.keypoint_info[old_id], id=new_id)
        if entry.get('swap') not in names:
            entry['swap'] = ''
        keypoint_info[new_id] = entry
    skeleton_info = {}
    for link in info.skeleton_info.values():
        if all(end in names for end in link['link']):
            skeleton_info[len(skeleton_info)] = dict(
                link, id=len(skeleton_info))
    return dict(
        dataset_name=dataset_name,
        paper_info=dict(info.get('paper_info', {})),
        keypoint_info=keypoint_info,
        skeleton_info=skeleton_info,
        joint_weights=[info.joint_weights[i] for i in old],
        sigmas=[info.sigmas[i] for i in old])


def write_metainfo(dataset_info: dict, out_file: str) -> None:
    """Write ``dataset_info`` as a metainfo file (a Python config that
    ``metainfo=dict(from_file=out_file)`` reads), atomically."""
    text = Config(dict(dataset_info=dataset_info)).pretty_text
    with atomic_open(out_file, 'w') as f:
        f.write(text)
    parse_pose_metainfo(dict(from_file=out_file))  # readable by mmpose


def subset_annotations(ann_file: str, indices: Sequence[int],
                       names: Sequence[str], out_file: str) -> None:
    """Keep the keypoints ``indices`` (with the new ``names``) of every
    annotation of a COCO-style file: ``keypoints``, ``num_keypoints`` and
    the person category's ``keypoints``/``skeleton`` are rewritten."""
    with open(ann_file) as f:
        data = json.load(f)
    for ann in data.get('annotations', []):
        kpts = ann.get('keypoints')
        if kpts is None:
            continue
        ann['keypoints'] = [v for i in indices for v in kpts[3 * i:3 * i + 3]]
        ann['num_keypoints'] = sum(1 for v in ann['keypoints'][2::3] if v > 0)
    for cat in data.get('categories', []):
        if 'keypoints' not in cat:
            continue
        old_names = cat['keypoints']
        cat['keypoints'] = list(names)
        # links are 1-based in COCO's categories
        cat['skeleton'] = [
            [
                names.index(old_names[a - 1]) + 1,
                names.index(old_names[b - 1]) + 1
            ] for a, b in cat.get('skeleton', [])
            if old_names[a - 1] in names and old_names[b - 1] in names
        ]
    write_json_atomic(data, out_file)


def make_keypoint_subset(ann_files: Sequence[str], metainfo_file: str,
                         names: Sequence[str], out_dir: str,
                         dataset_name: str) -> Dict[str, str]:
    """Write the ``names`` subset of a dataset: ``<out_dir>/<name of each
    annotation file>`` and ``<out_dir>/<dataset_name>.py`` (its metainfo).

    Returns:
        dict: ``metainfo`` -> the metainfo file, and each input annotation
        file -> its output file.
    """
    names = list(names)
    info = subset_metainfo(metainfo_file, names, dataset_name)
    os.makedirs(out_dir, exist_ok=True)
    available = _keypoint_names(_dataset_info(metainfo_file))
    indices = [available.index(n) for n in names]
    written = {}
    for ann_file in ann_files:
        out = osp.join(out_dir, osp.basename(ann_file))
        if osp.abspath(out) == osp.abspath(ann_file):
            raise ValueError(f'{ann_file}: the subset would overwrite it; '
                             'choose another output folder')
        subset_annotations(ann_file, indices, names, out)
        written[ann_file] = out
    written['metainfo'] = osp.join(out_dir, f'{dataset_name}.py')
    write_metainfo(info, written['metainfo'])
    return written
