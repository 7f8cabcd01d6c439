"""Bad data gets a defined behaviour (docs/robustness.md): an error naming
the file and the entry, or a logged skip that training survives."""
import json
import shutil

import numpy as np
import pytest

from directpose.datasets import (AnnotationError, CheckedCocoDataset,
                                 CheckedCrowdPoseDataset, ImageLoadError,
                                 checked_coco)


@pytest.fixture
def data(synthetic_coco, tmp_path):
    """A private copy of the synthetic-coco fixture (8 train, 4 val)."""
    root = tmp_path / 'data'
    shutil.copytree(synthetic_coco, root)
    return root


@pytest.fixture
def logged(monkeypatch):
    messages = []
    monkeypatch.setattr(checked_coco, 'print_log',
                        lambda msg, *args, **kwargs: messages.append(msg))
    return messages


def _edit(root, edit, split='train'):
    path = root / 'annotations' / f'{split}.json'
    coco = json.loads(path.read_text())
    edit(coco)
    path.write_text(json.dumps(coco))
    return coco


def _dataset(root, split='train', test_mode=False, cls=CheckedCocoDataset):
    return cls(
        data_root=str(root),
        ann_file=f'annotations/{split}.json',
        data_prefix=dict(img=f'{split}/'),
        data_mode='bottomup',
        test_mode=test_mode,
        pipeline=[dict(type='LoadImage')])


def _image_path(root, split='train', index=1):
    return sorted((root / split).iterdir())[index]


def _infos(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


def _instance(dataset, ann_id):
    """(data info of the image, row of the instance) of an annotation."""
    info = next(d for d in _infos(dataset) if ann_id in d['id'])
    return info, info['id'].index(ann_id)


# images -------------------------------------------------------------------


def _break(path, how):
    if how == 'missing':
        path.unlink()
    elif how == 'not an image':
        path.write_bytes(b'this is not a JPEG file')
    else:  # empty
        path.write_bytes(b'')


@pytest.mark.parametrize('how', ['missing', 'not an image', 'empty'])
def test_bad_image_is_skipped_in_training_with_a_warning(data, logged, how):
    bad = _image_path(data)
    _break(bad, how)
    dataset = _dataset(data)
    idx = _index_of(dataset, bad)
    sample = dataset[idx]  # mmengine's BaseDataset draws another image
    assert sample['img_path'] != str(bad)
    assert sample['img'].shape[:2] == (128, 128)
    assert logged  # once, or more if the same image was drawn again
    assert all(str(bad) in m and 'skipped' in m for m in logged)
    assert ('does not exist' if how == 'missing' else 'cannot be') \
        in logged[0]


@pytest.mark.parametrize('how', ['missing', 'not an image'])
def test_bad_image_fails_in_test_mode_naming_it(data, how):
    bad = _image_path(data, 'val')
    dataset = _dataset(data, 'val', test_mode=True)
    idx = _index_of(dataset, bad)
    _break(bad, how)
    with pytest.raises(ImageLoadError) as info:
        dataset[idx]
    assert str(bad) in str(info.value)
    assert 'val.json' in str(info.value)


def test_errors_of_the_pipeline_with_a_good_image_are_not_hidden(data):

    def broken_transform(results):
        raise RuntimeError('a bug in a transform')

    dataset = _dataset(data)
    dataset.pipeline.transforms.append(broken_transform)
    with pytest.raises(RuntimeError, match='a bug in a transform'):
        dataset[0]


def _index_of(dataset, path):
    return [d['img_path'] for d in _infos(dataset)].index(str(path))


# annotations that are fixed or skipped ---------------------------------


def test_keypoints_outside_the_image_are_made_invisible(data, logged):

    def edit(coco):
        kpts = coco['annotations'][0]['keypoints']
        visible = [k for k in range(len(kpts) // 3) if kpts[3 * k + 2] > 0]
        kpts[3 * visible[0]] = -20.0  # left of the image
        kpts[3 * visible[1] + 1] = 128 + 30.0  # below it
        return visible

    coco = _edit(data, edit)
    ann = coco['annotations'][0]
    was_visible = np.array(ann['keypoints'][2::3]) > 0
    dataset = _dataset(data)
    info, row = _instance(dataset, ann['id'])
    visible = info['keypoints_visible'][row] > 0
    assert visible.sum() == was_visible.sum() - 2
    assert info['num_keypoints'][row] == was_visible.sum() - 2
    assert f"outside the image (made invisible): ids [{ann['id']}]" \
        in logged[0]
    assert 'train.json' in logged[0]


@pytest.mark.parametrize('box', [[10, 10, 0, 40], [50, 50, -20, 30]])
def test_zero_area_and_negative_boxes_are_skipped(data, logged, box):

    def edit(coco):
        for ann in coco['annotations']:
            if ann['image_id'] == 1:
                ann['bbox'] = box

    coco = _edit(data, edit)
    ids = [a['id'] for a in coco['annotations'] if a['image_id'] == 1]
    dataset = _dataset(data)
    assert len(dataset) == 7
    assert all(d['img_id'] != 1 for d in _infos(dataset))
    assert f'zero-area or negative box: ids {ids}' in logged[0]


def test_images_without_persons_are_used_for_testing_only(data, logged):

    def edit(coco):
        coco['annotations'] = [
            a for a in coco['annotations'] if a['image_id'] != 3
        ]

    _edit(data, edit)
    train = _dataset(data)
    assert len(train) == 7
    assert all(d['img_id'] != 3 for d in _infos(train))
    assert '1 of 8 images have no person annotation' in logged[-1]

    _edit(data, lambda coco: coco.update(annotations=[]), split='val')
    val = _dataset(data, 'val', test_mode=True)
    assert len(val) == 4
    assert val[0]['img'].shape[:2] == (128, 128)


def test_persons_without_visible_keypoints_are_kept(data):

    def edit(coco):
        ann = coco['annotations'][0]
        ann['keypoints'] = [0.0] * len(ann['keypoints'])
        ann['num_keypoints'] = 0

    coco = _edit(data, edit)
    ann_id = coco['annotations'][0]['id']
    dataset = _dataset(data)
    info, row = _instance(dataset, ann_id)
    assert info['keypoints_visible'][row].sum() == 0


# annotations that are errors ----------------------------------------------


def test_wrong_number_of_keypoints_names_file_and_annotation(data):

    def edit(coco):
        coco['annotations'][2]['keypoints'] = [10.0, 10.0, 2] * 14

    coco = _edit(data, edit)
    with pytest.raises(AnnotationError) as info:
        _dataset(data)
    message = str(info.value)
    ann = coco['annotations'][2]
    assert f"train.json: annotation id {ann['id']} (image id " \
        f"{ann['image_id']})" in message
    assert "'keypoints' has 42 values, 14 keypoints" in message
    assert 'has 17 keypoints' in message


def test_a_category_other_than_the_person_names_the_annotation(data):
    # RTMO labels persons category_id - 1: id 0 was an index error on GPUs

    def edit(coco):
        coco['annotations'][3]['category_id'] = 0

    coco = _edit(data, edit)
    ann = coco['annotations'][3]
    with pytest.raises(AnnotationError) as info:
        _dataset(data)
    assert f"annotation id {ann['id']}" in str(info.value)
    assert "'category_id' is 0" in str(info.value)


@pytest.mark.parametrize('test_mode', [False, True], ids=['train', 'test'])
@pytest.mark.parametrize(
    'field, index, value, where', [
        ('keypoints', 3, float('nan'), 'at keypoint(s) [1]'),
        ('keypoints', 50, float('inf'), 'at keypoint(s) [16]'),
        ('bbox', 2, float('nan'), 'at position(s) [2]'),
        ('area', None, float('-inf'), 'at position(s) [0]'),
    ],
    ids=['nan keypoint', 'inf visibility', 'nan bbox', 'inf area'])
def test_non_finite_values_name_file_and_annotation(data, test_mode, field,
                                                    index, value, where):
    # NaN passes every range check: it reached the losses in training and
    # counted as a match in xtcocotools' evaluation
    split = 'val' if test_mode else 'train'

    def edit(coco):
        ann = coco['annotations'][2]
        if index is None:
            ann[field] = value
        else:
            ann[field][index] = value

    coco = _edit(data, edit, split=split)  # json writes NaN and Infinity
    with pytest.raises(AnnotationError) as info:
        _dataset(data, split, test_mode=test_mode)
    message = str(info.value)
    assert f"{split}.json: annotation id {coco['annotations'][2]['id']}" \
        in message
    assert f"'{field}' has non-finite values (NaN or infinity) {where}" \
        in message


def test_coco_file_in_a_crowdpose_dataset_is_a_keypoint_count_error(data):
    with pytest.raises(AnnotationError, match='has 14 keypoints'):
        _dataset(data, cls=CheckedCrowdPoseDataset)


@pytest.mark.parametrize(
    'edit, expected', [
        (lambda c: c['annotations'][1].update(bbox=[1, 2, 3]),
         "annotation id {ann1}.*'bbox' must be 4 numbers"),
        (lambda c: c['annotations'][1]['keypoints'].__setitem__(0, 'x'),
         "annotation id {ann1}.*'keypoints' must be a list of numbers"),
        (lambda c: c['annotations'][1].pop('image_id'),
         r"annotations\[1\] .* has no 'image_id'"),
        (lambda c: c['images'][1].pop('file_name'),
         r"images\[1\] .* has no 'file_name'"),
        (lambda c: c['images'][0].pop('height'), "image id 1 has no 'height'"),
        (lambda c: c.pop('annotations'),
         "is not a COCO keypoint file: it has no 'annotations' list"),
    ],
    ids=[
        'short bbox', 'text keypoint', 'no image_id', 'no file_name',
        'no height', 'no annotations'
    ])
def test_malformed_entries_name_file_and_entry(data, edit, expected):
    coco = _edit(data, edit)
    ann1 = coco['annotations'][1]['id'] if 'annotations' in coco else None
    with pytest.raises(AnnotationError, match=expected.format(ann1=ann1)) \
            as info:
        _dataset(data)
    assert 'annotations/train.json' in str(info.value)


@pytest.mark.parametrize('test_mode', [False, True], ids=['train', 'test'])
def test_an_empty_image_list_is_named(data, test_mode):
    # was numpy's 'need at least one array to concatenate'
    split = 'val' if test_mode else 'train'
    _edit(data, lambda coco: coco.update(images=[], annotations=[]), split)
    with pytest.raises(AnnotationError, match=f"{split}.json lists no images"):
        _dataset(data, split, test_mode=test_mode)


def test_training_without_any_usable_person_is_named(data):
    _edit(
        data, lambda coco:
        [a.update(bbox=[0, 0, 0, 0]) for a in coco['annotations']])
    with pytest.raises(
            AnnotationError, match='none of its 8 images has a usable person'):
        _dataset(data)


def test_an_image_list_without_annotations_is_enough_for_testing(data):
    _edit(data, lambda coco: coco.pop('annotations'), split='val')
    assert len(_dataset(data, 'val', test_mode=True)) == 4


@pytest.mark.parametrize('text', ['{"images": [', '', '[1, 2]'])
def test_a_file_that_is_not_coco_json_is_named(data, text):
    (data / 'annotations' / 'train.json').write_text(text)
    with pytest.raises(AnnotationError) as info:
        _dataset(data)
    message = str(info.value)
    assert 'annotations/train.json is not' in message
