"""Results files for the COCO evaluation server: every entry checked before
anything is written, the first bad one named, written atomically, zipped."""
import json
import math
import os.path as osp
import zipfile

import pytest

from directpose.evaluation import (SubmissionError, keep_top_scored,
                                   load_image_ids, results_file_name,
                                   submission, validate_results,
                                   write_results_file, write_submission,
                                   zip_results_file)

K = 17


def entry(image_id=1, score=0.9, **kwargs):
    result = dict(
        image_id=image_id,
        category_id=1,
        keypoints=[10.0, 20.0, 0.8] * K,
        score=score)
    result.update(kwargs)
    return result


def test_results_file_name_follows_coco_pattern():
    assert results_file_name('test-dev2017', 'directpose_r50') == \
        'person_keypoints_test-dev2017_directpose-r50_results.json'
    with pytest.raises(ValueError):
        results_file_name('test-dev2017', '__')


def test_image_list_ids(tmp_path):
    path = tmp_path / 'image_info.json'
    path.write_text(json.dumps({'images': [{'id': 3}, {'id': 7}]}))
    assert load_image_ids(str(path)) == [3, 7]
    path.write_text(json.dumps({'annotations': []}))
    with pytest.raises(SubmissionError, match='images'):
        load_image_ids(str(path))
    with pytest.raises(FileNotFoundError):
        load_image_ids(str(tmp_path / 'absent.json'))
    path.write_text(json.dumps({'images': []}))  # was a numpy error later
    with pytest.raises(SubmissionError, match='"images" list is empty'):
        load_image_ids(str(path))


def test_valid_results_pass():
    validate_results([entry(1), entry(2), entry(2)], {1, 2}, K)


@pytest.mark.parametrize('bad, message', [
    (entry(image_id=99), 'not in the image list'),
    (entry(image_id='1'), 'integer'),
    (entry(category_id=2), 'category_id'),
    (entry(keypoints=[1.0] * (K * 3 - 1)), '51 values'),
    (entry(keypoints=[1.0] * (K * 2)), '51 values'),
    (entry(keypoints=[1.0, math.nan] + [1.0] *
           (K * 3 - 2)), 'keypoint value 1'),
    (entry(keypoints=[1.0, 2.0, math.inf] + [1.0] *
           (K * 3 - 3)), 'keypoint value 2'),
    (entry(score=math.nan), 'score'),
    (entry(score=None), 'score'),
    (entry(score=True), 'score'),
])
def test_first_bad_entry_is_named(bad, message):
    results = [entry(1), entry(2), bad, entry(2, keypoints=[])]
    with pytest.raises(SubmissionError, match=message) as info:
        validate_results(results, {1, 2}, K)
    assert 'results[2]' in str(info.value)


def test_more_than_twenty_persons_per_image_is_refused():
    results = [entry(1, score=i / 30) for i in range(21)]
    with pytest.raises(SubmissionError, match=r'results\[20\].*20 persons'):
        validate_results(results, {1}, K)
    validate_results(results, {1}, K, max_dets=None)


def test_keep_top_scored_keeps_best_twenty_in_order():
    results = [entry(1, score=(i * 7) % 25 / 25) for i in range(25)]
    results.append(entry(2))
    kept, dropped = keep_top_scored(results)
    assert dropped == 5
    image1 = [r for r in kept if r['image_id'] == 1]
    assert len(image1) == 20
    threshold = min(r['score'] for r in image1)
    assert sorted(r['score'] for r in results[:25])[5] == threshold
    assert kept == [r for r in results if r in kept]  # input order kept
    validate_results(kept, {1, 2}, K)


def test_invalid_results_write_nothing(tmp_path):
    path = tmp_path / 'results.json'
    with pytest.raises(SubmissionError):
        write_results_file([entry(1), entry(5)], str(path), {1}, K)
    assert list(tmp_path.iterdir()) == []


def test_invalid_results_keep_the_previous_file(tmp_path):
    path = tmp_path / 'results.json'
    write_results_file([entry(1)], str(path), {1}, K)
    before = path.read_text()
    with pytest.raises(SubmissionError):
        write_results_file([entry(1, score=math.inf)], str(path), {1}, K)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ['results.json']


def test_written_file_round_trips_and_zips(tmp_path):
    results = [entry(1), entry(2, score=0.5)]
    path = tmp_path / results_file_name('test-dev2017', 'ours')
    write_results_file(results, str(path), {1, 2}, K)
    assert json.loads(path.read_text()) == results
    archive = zip_results_file(str(path))
    assert archive.endswith('_results.zip')
    with zipfile.ZipFile(archive) as z:
        assert z.namelist() == [path.name]
        assert json.loads(z.read(path.name)) == results


def test_a_submission_killed_before_its_zip_leaves_no_stale_zip(
        tmp_path, monkeypatch):
    path = tmp_path / results_file_name('test-dev2017', 'ours')
    zip_path = write_submission([entry(1)], str(path), {1, 2}, K)
    new = [entry(1), entry(2, score=0.5)]

    def killed(*args):
        raise KeyboardInterrupt  # the job dies between the JSON and the zip

    monkeypatch.setattr(submission, 'zip_results_file', killed)
    with pytest.raises(KeyboardInterrupt):
        write_submission(new, str(path), {1, 2}, K)
    assert json.loads(path.read_text()) == new
    assert not osp.exists(zip_path)  # never the previous run's zip
    monkeypatch.undo()
    write_submission(new, str(path), {1, 2}, K)
    with zipfile.ZipFile(zip_path) as z:
        assert json.loads(z.read(path.name)) == new
