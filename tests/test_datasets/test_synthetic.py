"""Tests of the synthetic-coco / synthetic-crowdpose generator."""
import json
import os
import os.path as osp
import subprocess
import sys
from itertools import combinations

import numpy as np
import pytest
from conftest import load_script

from directpose.datasets.synthetic import (SYNTHETIC_PRESETS,
                                           make_synthetic_dataset,
                                           render_scene)
from directpose.datasets.synthetic.colors import sample_palette
from directpose.datasets.synthetic.figure import (EYE_COLOUR, draw_figure,
                                                  make_figure)
from directpose.datasets.synthetic.keypoints import COCO_SCHEME
from directpose.datasets.synthetic.pose import LimbPose, Pose, sample_shape
from directpose.datasets.synthetic.scene import (MIN_AREA, Scene,
                                                 annotate_figure,
                                                 annotate_scene, compose_scene)
from directpose.datasets.synthetic.writer import crowd_index, render_image

COCO_NAMES = [
    'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder',
    'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
    'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle',
    'right_ankle'
]
COCO_SKELETON = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12],
                 [7, 13], [6, 7], [6, 8], [7, 9], [8, 10], [9, 11], [2, 3],
                 [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7]]
CROWDPOSE_NAMES = COCO_NAMES[5:] + ['head', 'neck']
COCO_IDS = {name: i for i, name in enumerate(COCO_NAMES)}


def _load(root, split='train'):
    with open(osp.join(root, 'annotations', f'{split}.json')) as f:
        return json.load(f)


def _files(root):
    """Relative path -> bytes of every file under ``root``."""
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = osp.join(folder, name)
            with open(path, 'rb') as f:
                found[osp.relpath(path, root)] = f.read()
    return found


def _kpts(ann):
    return np.reshape(ann['keypoints'], (-1, 3))


def _by_image(content):
    groups = {image['id']: [] for image in content['images']}
    for ann in content['annotations']:
        groups[ann['image_id']].append(ann)
    return groups


def _tight_box(mask):
    ys, xs = np.nonzero(mask)
    x0, y0 = xs.min(), ys.min()
    return [x0, y0, xs.max() + 1 - x0, ys.max() + 1 - y0]


@pytest.fixture(scope='module')
def standard_coco(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('synthetic-coco-standard'))
    make_synthetic_dataset(
        root, preset='standard', fmt='coco', num_train=60, num_val=4, seed=0)
    return root


@pytest.fixture(scope='module')
def standard_crowdpose(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('synthetic-crowdpose-standard'))
    make_synthetic_dataset(
        root, preset='standard', fmt='crowdpose', num_train=30, num_val=4)
    return root


@pytest.fixture(scope='module')
def easy_coco(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('synthetic-coco-easy'))
    make_synthetic_dataset(root, preset='easy', num_train=40, num_val=4)
    return root


def test_deterministic(tmp_path):
    kwargs = dict(preset='standard', num_train=5, num_val=3, seed=7)
    first = make_synthetic_dataset(str(tmp_path / 'a'), **kwargs)
    make_synthetic_dataset(str(tmp_path / 'b'), **kwargs)
    files = _files(tmp_path / 'a')
    assert len(files) == 2 + 5 + 3
    assert files == _files(tmp_path / 'b')
    assert first['num_train_images'] == 5 and first['generated']
    # an image depends only on (seed, split, index), not on the others
    make_synthetic_dataset(str(tmp_path / 'c'), **dict(kwargs, num_train=2))
    fewer = _files(tmp_path / 'c')
    assert fewer['annotations/val.json'] == files['annotations/val.json']
    assert fewer['train/000000000002.jpg'] == files['train/000000000002.jpg']
    make_synthetic_dataset(str(tmp_path / 'd'), **dict(kwargs, seed=8))
    other = _files(tmp_path / 'd')
    assert other['annotations/train.json'] != files['annotations/train.json']
    assert all(other[name] != files[name] for name in files
               if name.endswith('.jpg'))
    image, anns = render_scene(5, 96, seed=3)
    again, anns_again = render_scene(5, 96, seed=3)
    assert np.array_equal(image, again) and anns == anns_again


def test_layout_and_categories(easy_coco, standard_crowdpose):
    coco, val = _load(easy_coco), _load(easy_coco, 'val')
    assert [im['file_name'] for im in coco['images'][:2]
            ] == ['000000000001.jpg', '000000000002.jpg']
    ids = [im['id'] for im in coco['images'] + val['images']]
    assert len(set(ids)) == len(ids) == 44
    for split, content in (('train', coco), ('val', val)):
        for image in content['images']:
            assert osp.isfile(osp.join(easy_coco, split, image['file_name']))
    assert not any(name.endswith('.tmp') for name in _files(easy_coco))
    category = coco['categories'][0]
    assert category['keypoints'] == COCO_NAMES
    assert category['skeleton'] == COCO_SKELETON
    crowd = _load(standard_crowdpose)['categories'][0]
    assert crowd['keypoints'] == CROWDPOSE_NAMES
    assert max(max(link) for link in crowd['skeleton']) == 14
    assert all(
        len(_kpts(ann)) == 14
        for ann in _load(standard_crowdpose)['annotations'])


def _check_annotation(ann, width, height):
    kpts = _kpts(ann)
    labelled = kpts[:, 2] > 0
    assert ann['num_keypoints'] == labelled.sum() > 0
    assert ann['iscrowd'] == 0 and ann['category_id'] == 1
    assert set(kpts[:, 2]) <= {0, 1, 2}
    assert (kpts[~labelled, :2] == 0).all()
    # pixel indices: within [-0.5, size - 0.5)
    xy = kpts[labelled, :2]
    assert (xy >= -0.5).all() and (xy[:, 0] < width - 0.5).all()
    assert (xy[:, 1] < height - 0.5).all()
    x, y, w, h = ann['bbox']
    assert x >= 0 and y >= 0 and x + w <= width and y + h <= height
    assert MIN_AREA <= ann['area'] <= w * h
    seen = kpts[kpts[:, 2] == 2, :2] + 0.5  # pixel i covers [i, i + 1)
    assert ((seen[:, 0] >= x) & (seen[:, 0] < x + w)).all()
    assert ((seen[:, 1] >= y) & (seen[:, 1] < y + h)).all()


def test_annotations_consistent(standard_coco, standard_crowdpose):
    for root in (standard_coco, standard_crowdpose):
        content = _load(root)
        sizes = {
            im['id']: (im['width'], im['height'])
            for im in content['images']
        }
        for ann in content['annotations']:
            _check_annotation(ann, *sizes[ann['image_id']])
    flags = np.concatenate(
        [_kpts(a)[:, 2] for a in _load(standard_coco)['annotations']])
    # the checks above are not vacuous: all three flags occur
    assert {0, 1, 2} <= set(flags)


def test_bbox_area_and_occlusion_match_masks(standard_coco):
    preset = SYNTHETIC_PRESETS['standard']
    groups = _by_image(_load(standard_coco))
    for index, anns in enumerate(list(groups.values())[:20]):
        scene = render_image(preset, 0, 'train', index)
        annotated = annotate_scene(scene, COCO_SCHEME)
        assert [a['keypoints']
                for a in anns] == [a['keypoints'] for a in annotated.values()]
        for draw_index, ann in annotated.items():
            mask = scene.owner == draw_index
            assert ann['area'] == mask.sum()
            assert ann['bbox'] == _tight_box(mask)
            kpts = _kpts(ann)
            for x, y, v in kpts[kpts[:, 2] > 0]:
                # pixel indices: the nearest pixel centre
                owner = scene.owner[int(round(y)), int(round(x))]
                # 2: the person's own pixel; 1: a person drawn later
                assert owner == draw_index if v == 2 else owner > draw_index


def test_render_scene_masks():
    image, anns, masks = render_scene(8, (200, 160), seed=1, return_masks=True)
    assert image.shape == (160, 200, 3) and image.dtype == np.uint8
    assert masks.shape == (len(anns), 160, 200) and masks.dtype == bool
    assert not (masks.sum(axis=0) > 1).any()  # visible masks are disjoint
    for ann, mask in zip(anns, masks):
        _check_annotation(ann, 200, 160)
        assert ann['area'] == mask.sum()
        assert ann['bbox'] == _tight_box(mask)
        seen = np.round(_kpts(ann)[_kpts(ann)[:, 2] == 2, :2]).astype(int)
        assert mask[seen[:, 1], seen[:, 0]].all()


def _crowd_index(anns):
    if len(anns) < 2:
        return 0.0
    ratios = []
    for ann in anns:
        x, y, w, h = ann['bbox']
        inside = 0
        for other in anns:
            if other is ann:
                continue
            for kx, ky, v in _kpts(other):
                inside += v > 0 and x <= kx <= x + w and y <= ky <= y + h
        ratios.append(inside / ann['num_keypoints'])
    return sum(ratios) / len(ratios)


def test_crowd_index_definition():

    def person(box, points):
        kpts = [[x, y, 2] for x, y in points] + [[0, 0, 0]] * 3
        return dict(
            bbox=box, keypoints=sum(kpts, []), num_keypoints=len(points))

    first = person([0, 0, 10, 10], [(1, 1), (2, 2)])
    second = person([5, 5, 10, 10], [(6, 6), (8, 8), (14, 14)])
    # first's box holds 2 of second's points (2 / 2 labelled), second's box
    # none of first's (0 / 3); unlabelled points at (0, 0) do not count
    assert crowd_index([first, second]) == pytest.approx(0.5)
    assert crowd_index([first]) == 0 and crowd_index([]) == 0


def test_crowd_index(standard_crowdpose):
    content = _load(standard_crowdpose)
    groups = _by_image(content)
    values = []
    for image in content['images']:
        expected = _crowd_index(groups[image['id']])
        assert image['crowdIndex'] == pytest.approx(expected)
        values.append(image['crowdIndex'])
    assert 0 <= min(values) and max(values) <= 1
    assert max(values) > 0  # some persons overlap


def test_easy_preset(easy_coco):
    content = _load(easy_coco)
    assert {(im['width'], im['height'])
            for im in content['images']} == {(128, 128)}
    counts = [len(anns) for anns in _by_image(content).values()]
    assert min(counts) == 1 and max(counts) == 3
    heights = [
        np.ptp(_kpts(a)[_kpts(a)[:, 2] > 0, 1]) / 128
        for a in content['annotations']
    ]
    assert np.median(heights) > 0.35


def test_standard_preset(standard_coco):
    content = _load(standard_coco)
    assert {(im['width'], im['height'])
            for im in content['images']} == {(256, 256)}
    counts = [len(anns) for anns in _by_image(content).values()]
    assert min(counts) == 0 and max(counts) >= 8
    assert 0 < counts.count(0) <= 10
    heights = [a['bbox'][3] / 256 for a in content['annotations']]
    assert min(heights) < 0.15 and max(heights) > 0.6


def test_crowd_preset(tmp_path):
    root = str(tmp_path / 'crowd')
    make_synthetic_dataset(
        root, preset='crowd', fmt='coco', num_train=40, num_val=2, seed=0)
    content = _load(root)
    assert {(im['width'], im['height'])
            for im in content['images']} == {(160, 160)}
    counts = [len(anns) for anns in _by_image(content).values()]
    # every image has someone; crowds of 6+ and single persons both occur
    assert len(counts) == 40 and min(counts) >= 1 and max(counts) <= 8
    assert sum(c >= 6 for c in counts) >= 4 and counts.count(1) >= 4
    heights = np.array([a['bbox'][3] / 160 for a in content['annotations']])
    # statures 25-90% of the height (truncated persons are shorter boxes)
    assert np.quantile(heights, 0.1) < 0.35 and heights.max() > 0.6
    assert any(a['num_keypoints'] < 17 for a in content['annotations'])


def _figure(back_view, stature=120.0):
    rng = np.random.default_rng(0)
    spread = LimbPose(1.5, 0.0, 1.0, 1.0)
    stand = LimbPose(0.1, 0.0, 1.0, 1.0)
    pose = Pose(back_view, 0.0, 1.0, 0.0, 0.0, 0.0, (spread, spread),
                (stand, stand))
    fig = make_figure(sample_shape(rng), pose, sample_palette(rng), stature)
    return fig.moved(np.array([80.0, 90.0]))


def _luminance(image, point):
    b, g, r = image[int(point[1]), int(point[0])].astype(float)
    return 0.114 * b + 0.587 * g + 0.299 * r


def _mid(fig, side, start, end):
    return (fig[f'{side}_{start}'] + fig[f'{side}_{end}']) / 2


@pytest.mark.parametrize('back_view', [False, True])
def test_left_limbs_lighter(back_view):
    fig = _figure(back_view)
    image = np.zeros((160, 160, 3), np.uint8)
    owner = np.full((160, 160), -1, np.int16)
    draw_figure(image, owner, 0, fig)
    for start, end in (('elbow', 'wrist'), ('hip', 'knee')):
        left, right = (
            _mid(fig, side, start, end) for side in ('left', 'right'))
        # facing the camera, the person's left side is on the image's right
        assert (left[0] > right[0]) != back_view
        assert _luminance(image, left) > _luminance(image, right)
    # the face (dark eyes) is drawn only when the person faces the camera
    eye = image[int(fig['left_eye'][1]), int(fig['left_eye'][0])]
    assert (tuple(eye) == EYE_COLOUR) != back_view


def _eye_centroids(image, keypoints):
    """Centroid (pixel indices) of the eye-coloured pixels within 4 px of
    each of ``keypoints`` (N, 2)."""
    ys, xs = np.nonzero((image == EYE_COLOUR).all(axis=2))
    points = np.stack([xs, ys], axis=1).astype(float)
    return np.array([
        points[np.abs(points - k).max(axis=1) <= 4].mean(axis=0)
        for k in keypoints
    ])


def test_keypoints_are_pixel_indices():
    """The written keypoints put pixel i's centre at i, as COCO's and as
    mmpose's transforms take them: the eyes, discs drawn around their
    keypoints, have their pixels' centroid at the keypoint, also after
    mmpose's horizontal flip (x -> w - 1 - x) of image and keypoints.
    Written at pixel centre + 0.5 (the figure's continuous coordinates),
    they were half a pixel off, and a flipped one 1.5 pixels."""
    from mmpose.structures.keypoint import flip_keypoints
    fig = _figure(False, stature=320.0).moved(np.array([20.3, 100.6]))
    image = np.zeros((240, 200, 3), np.uint8)
    owner = np.full((240, 200), -1, np.int16)
    draw_figure(image, owner, 0, fig)
    ann = annotate_figure(Scene(image, owner, [fig]), 0, COCO_SCHEME)
    eyes = _kpts(ann)[[1, 2], :2]
    assert fig.head_radius * 0.14 >= 3  # eyes large enough to centre
    np.testing.assert_allclose(_eye_centroids(image, eyes), eyes, atol=0.15)
    flipped, _ = flip_keypoints(eyes[None], np.ones((1, 2)), (200, 240),
                                [1, 0])
    np.testing.assert_allclose(
        _eye_centroids(image[:, ::-1], flipped[0]), flipped[0], atol=0.15)


def test_left_lighter_in_random_scenes():
    """Over random single persons, the left forearm is brighter."""
    preset = SYNTHETIC_PRESETS['easy']
    wins = []
    for seed in range(30):
        scene = compose_scene(
            np.random.default_rng(seed), preset, 1, (128, 128))
        fig = scene.figures[0]
        left, right = (
            _luminance(scene.image, _mid(fig, side, 'elbow', 'wrist'))
            for side in ('left', 'right'))
        wins.append(left > right)
    assert np.mean(wins) >= 0.85


def _normalised(ann):
    kpts = _kpts(ann)[:, :2]
    center = kpts.mean(axis=0)
    return (kpts - center) / np.linalg.norm(kpts - center, axis=1).max()


def _angle(ann, a, b, c):
    """Angle at keypoint ``b`` between keypoints ``a`` and ``c``, radians."""
    k = _kpts(ann)[:, :2]
    u, v = k[COCO_IDS[a]] - k[COCO_IDS[b]], k[COCO_IDS[c]] - k[COCO_IDS[b]]
    cos = u @ v / (np.linalg.norm(u) * np.linalg.norm(v))
    return np.arccos(np.clip(cos, -1, 1))


def test_poses_vary(easy_coco):
    full = [
        a for a in _load(easy_coco)['annotations']
        if (_kpts(a)[:, 2] > 0).all()
    ]
    assert len(full) >= 10
    shapes = [_normalised(a) for a in full]
    gaps = [np.abs(p - q).max() for p, q in combinations(shapes, 2)]
    assert min(gaps) > 0.02
    elbows = [
        _angle(a, 'left_shoulder', 'left_elbow', 'left_wrist') for a in full
    ]
    knees = [_angle(a, 'right_hip', 'right_knee', 'right_ankle') for a in full]
    arms = [_angle(a, 'left_hip', 'left_shoulder', 'left_elbow') for a in full]
    assert np.ptp(elbows) > 1.0 and np.ptp(knees) > 0.8
    assert np.ptp(arms) > 2.0  # from arms down to arms raised


@pytest.mark.parametrize('num_persons', [1, 5, 10, 20, 40])
def test_render_scene_counts(num_persons):
    image, anns = render_scene(num_persons, 256, seed=num_persons)
    assert image.shape == (256, 256, 3)
    assert len(anns) == num_persons
    assert all(len(ann['keypoints']) == 17 * 3 for ann in anns)


@pytest.mark.filterwarnings('ignore:The metainfo config file')
@pytest.mark.parametrize('mode', ['bottomup', 'topdown'])
def test_mmpose_datasets_load(mode, standard_coco, standard_crowdpose):
    # imported here, after directpose (above), which makes mmcv importable
    from mmpose.datasets import CocoDataset, CrowdPoseDataset
    for dataset_type, root, name in ((CocoDataset, standard_coco, 'coco'),
                                     (CrowdPoseDataset, standard_crowdpose,
                                      'crowdpose')):
        content = _load(root)
        dataset = dataset_type(
            data_root=root,
            ann_file='annotations/train.json',
            data_prefix=dict(img='train/'),
            data_mode=mode,
            metainfo=dict(from_file=f'configs/_base_/datasets/{name}.py'))
        num_with_persons = sum(
            bool(anns) for anns in _by_image(content).values())
        expected = (
            len(content['annotations'])
            if mode == 'topdown' else num_with_persons)
        assert len(dataset) == expected
        info = dataset.get_data_info(0)
        assert osp.isfile(info['img_path'])
        num_keypoints = 17 if name == 'coco' else 14
        assert info['keypoints'].shape[-2:] == (num_keypoints, 2)
        if name == 'crowdpose':
            assert 'crowd_index' in info


def test_incomplete_dataset_is_regenerated(tmp_path):
    root = str(tmp_path)
    make_synthetic_dataset(root, num_train=3, num_val=2)
    before = _files(root)
    os.remove(osp.join(root, 'annotations', 'val.json'))
    summary = make_synthetic_dataset(root, num_train=3, num_val=2)
    assert summary['generated'] and _files(root) == before
    kept = make_synthetic_dataset(root, num_train=3, num_val=2)
    assert not kept['generated'] and kept['num_val_images'] == 2
    with pytest.warns(UserWarning, match='force=True'):
        make_synthetic_dataset(root, num_train=3, num_val=2, seed=1)
    assert _files(root) == before
    # a dataset written with keypoints at pixel centre + 0.5 (before they
    # were pixel indices) is reported, not silently reused
    path = osp.join(root, 'annotations', 'train.json')
    with open(path) as f:
        content = json.load(f)
    del content['info']['keypoints']
    with open(path, 'w') as f:
        json.dump(content, f)
    with pytest.warns(UserWarning, match="'keypoints': None"):
        make_synthetic_dataset(root, num_train=3, num_val=2)


def test_cli(tmp_path, repo_root, monkeypatch, capsys):
    out = str(tmp_path / 'cli')
    command = [
        sys.executable,
        osp.join(repo_root, 'tools', 'dataset', 'make_synthetic.py'),
        '--preset', 'standard', '--format', 'crowdpose', '--out', out,
        '--num-train', '4', '--num-val', '2', '--seed', '3'
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, check=True, cwd=repo_root)
    assert '4 images' in result.stdout and out in result.stdout
    content = _load(out)
    assert len(content['images']) == 4
    assert len(_load(out, 'val')['images']) == 2
    mtimes = {
        name: os.stat(osp.join(out, name)).st_mtime_ns
        for name in _files(out)
    }
    before = _files(out)
    # the second run in this process (the first showed the script runs as
    # a program): the same main() and arguments, without a second start-up
    monkeypatch.setattr(sys, 'argv', command[1:])
    load_script(repo_root, 'tools/dataset/make_synthetic.py').main()
    assert 'untouched' in capsys.readouterr().out
    assert _files(out) == before
    assert mtimes == {
        name: os.stat(osp.join(out, name)).st_mtime_ns
        for name in _files(out)
    }
