"""A micro study end to end (tools/compare.py's code path): one row per
method with the expected columns and finite numbers; a rerun skips the
finished methods; a changed method runs again; a method that the study
code has never seen joins with one entry."""
import csv
import glob
import io
import math
import os
import os.path as osp

import pytest

from directpose.study import load_study, run_study
from directpose.study.study import finished_result

# the 128x128 tiny configs (the study code does not look at the size)
METHODS = {
    'DirectPose':
    'configs/directpose/'
    'directpose_r18-tiny_fpn_1xb8-30e_synthetic-coco-128x128.py',
    'RTMO':
    'configs/rtmo/rtmo-tiny_1xb8-30e_synthetic-coco-128x128.py',
    'SWAHR':
    'configs/swahr/'
    'swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py',
}
# mmpose's YOLOX-Pose tiny on the synthetic data layout
YOLOXPOSE = ('configs/yoloxpose/'
             'yoloxpose_tiny_1xb8-30e_synthetic-coco-128x128.py')
COLUMNS = [
    'AP', 'AP50', 'AP75', 'APM', 'APL', 'AR', 'AP persons 1-2',
    'AP persons 3+', 'AP area 0-1000.5', 'AP area 1000.5+', 'AP val seed 1',
    'val_gap', 'params', 'flops', 'latency_ms', 'postprocess_ms', 'memory_mib',
    'persons_1_ms', 'persons_3_ms', 'persons_1_recall', 'persons_3_recall'
]


def write_study(path, root, work_dir, methods, runs=1):
    """A study file of ``methods`` on the synthetic dataset in ``root``: a
    few training iterations each, speed from single runs."""
    options = {
        'train_cfg.max_epochs': 1,  # 8 images, batch 4: two iterations
        'train_dataloader.batch_size': 4,
    }
    for loader in ('train', 'val', 'test'):
        options[f'{loader}_dataloader.num_workers'] = 0
        options[f'{loader}_dataloader.persistent_workers'] = False
    path.write_text(
        f'work_dir = {work_dir!r}\n'
        f'dataset = dict(type="synthetic", root={root!r}, preset="easy", '
        'format="coco", num_train=8, num_val=4, val_seeds=(0, 1))\n'
        'subsets = dict(persons=(1, 3), area=(0, 1000.5))\n'
        f'cfg_options = {options!r}\n'
        f'speed = dict(warmup=0, runs={runs}, images=1, persons=(1, 3), '
        'persons_image_size=64, backend=("pytorch", "onnxruntime"))\n'
        f'methods = {methods!r}\n')
    return str(path)


@pytest.fixture(scope='module')
def study(tmp_path_factory, synthetic_coco, repo_root):
    tmp = tmp_path_factory.mktemp('micro_study')
    methods = [
        dict(name=name, config=osp.join(repo_root, config))
        for name, config in METHODS.items()
    ]
    path = write_study(tmp / 'micro.py', synthetic_coco, str(tmp / 'work'),
                       methods)
    spec = load_study(path)
    stream = io.StringIO()
    results = run_study(spec, stream=stream)
    return spec, results, stream.getvalue()


@pytest.mark.slow  # the study fixture trains three models
def test_micro_study_table_has_a_row_per_method(study):
    spec, results, log = study
    names = [m.name for m in spec.methods]
    assert [r.name for r in results] == names
    assert not [r for r in results if r.error], log
    with open(osp.join(spec.work_dir, 'results.csv')) as f:
        rows = list(csv.DictReader(f))
    assert [row['method'] for row in rows] == names
    for row in rows:
        for column in COLUMNS:
            assert math.isfinite(float(row[column])), (row['method'], column)
        assert float(row['params']) > 1e5 and float(row['flops']) > 1e6
        assert float(row['latency_ms']) > 0
        assert 0 <= float(row['persons_3_recall']) <= 1
        assert row['persons_3_annotated'] == '3'
    # ONNX Runtime's latency: every method has an exporter
    for row in rows:
        assert math.isfinite(float(row['latency_ms_onnxruntime'])), row
    with open(osp.join(spec.work_dir, 'results.md')) as f:
        table = f.read()
    assert table.startswith(
        '| Method | AP | AP50 | AP75 | APM | APL | AR | AP persons 1-2 | '
        'AP persons 3+ | AP area 0-1000.5 | AP area 1000.5+ | '
        'AP val seed 1 |')
    assert '| ms @1 pers. (recall) | ms @3 pers. (recall) |' in table
    assert "preset `easy`, 64x64" in table  # the study's preset
    # the second validation set was made beside the first, with seed 1
    assert osp.isfile(
        osp.join(spec.dataset.root, 'val_seed1', 'annotations', 'val.json'))
    assert '| onnxruntime ms (x pytorch) |' in table
    assert 'could not be timed' not in table
    for name in names:
        assert sum(
            line.startswith(f'| {name} |') for line in table.splitlines()) == 1
    for plot in ('ap_vs_latency.png', 'latency_vs_persons.png'):
        assert osp.getsize(osp.join(spec.work_dir, plot)) > 1000


@pytest.mark.slow  # the study fixture trains three models
def test_rerun_skips_finished_methods(study):
    spec, first, _ = study
    stream = io.StringIO()
    again = run_study(spec, stream=stream)
    assert stream.getvalue().count('done before, skipped') == len(first)
    assert again == first


@pytest.mark.slow  # the study fixture trains three models
def test_changed_method_is_not_finished(study):
    spec, _, _ = study
    name = spec.methods[0].name
    assert finished_result(spec, name) is not None
    spec.methods[0].cfg_options = {'model.test_cfg.max_per_img': 7}
    assert finished_result(spec, name) is None
    spec.methods[0].cfg_options = {}


def test_missing_config_gives_a_clear_error_row(tmp_path, synthetic_coco):
    path = tmp_path / 'broken.py'
    path.write_text(
        f'work_dir = {str(tmp_path / "work")!r}\n'
        f'dataset = dict(root={synthetic_coco!r}, num_train=8, num_val=4)\n'
        'methods = [dict(name="Ghost", config="configs/none/ghost.py")]\n')
    results = run_study(load_study(str(path)), stream=io.StringIO())
    assert results[0].name == 'Ghost'
    assert 'configs/none/ghost.py does not exist' in results[0].error
    with open(tmp_path / 'work' / 'results.md') as f:
        assert 'Ghost** failed' in f.read()


def test_unseen_method_joins_with_one_entry(tmp_path, synthetic_coco,
                                            repo_root):
    """mmpose's YOLOX-Pose, which no study code names, gets its row from
    one entry with nothing but its name and config."""
    for package in ('study', 'benchmark'):
        for source in glob.glob(
                osp.join(repo_root, 'projects/directpose', package, '*.py')):
            with open(source) as f:
                assert 'yolox' not in f.read().lower(), source
    entry = dict(name='YOLOX-Pose', config=osp.join(repo_root, YOLOXPOSE))
    path = write_study(tmp_path / 'new.py', synthetic_coco,
                       str(tmp_path / 'work'), [entry])
    spec = load_study(path)
    stream = io.StringIO()
    [result] = run_study(spec, stream=stream)
    assert result.error is None, stream.getvalue()
    assert result.accuracy.style == 'coco' and 0 <= result.accuracy.ap <= 1
    assert result.cost.params > 1e5 and result.cost.train_seconds > 0
    assert result.speed.latency['total']['median'] > 0
    assert finished_result(spec, 'YOLOX-Pose') == result
    with open(osp.join(spec.work_dir, 'results.csv')) as f:
        [row] = list(csv.DictReader(f))
    assert row['method'] == 'YOLOX-Pose'
    for column in COLUMNS:
        assert math.isfinite(float(row[column])), column
    with open(osp.join(spec.work_dir, 'results.md')) as f:
        table = f.read()
    assert '\n| YOLOX-Pose | ' in table
    # no ONNX exporter for its head: a note, not a failure
    assert "**YOLOX-Pose** could not be timed with onnxruntime: " \
        "ExportError: model.head.type='YOLOXPoseHead'" in table


@pytest.mark.slow  # trains a model in a worker process
def test_trainings_side_by_side(tmp_path, synthetic_coco, repo_root,
                                monkeypatch):
    """``train_jobs=2``: both methods train at once, each worker with half
    the cores as its threads; a training that fails is reported once and not
    run again in the sequential stages; the table says the trainings shared
    the cores."""
    for variable in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        monkeypatch.delenv(variable, raising=False)
    config = osp.join(repo_root, METHODS['DirectPose'])
    methods = [
        dict(name='DirectPose', config=config),
        # ResNet has no depth 7: the config loads, its training fails
        dict(
            name='Broken',
            config=config,
            cfg_options={'model.backbone.depth': 7}),
    ]
    spec = load_study(
        write_study(tmp_path / 'pair.py', synthetic_coco,
                    str(tmp_path / 'work'), methods))
    stream = io.StringIO()
    good, broken = run_study(spec, stream=stream, train_jobs=2)
    log = stream.getvalue()
    assert good.error is None, log
    assert good.cost.train_jobs == 2 and good.cost.train_seconds > 0
    assert broken.error.startswith('exit code'), broken.error
    with open(osp.join(spec.work_dir, 'Broken', 'study.log')) as f:
        assert f.read().count('invalid depth 7') >= 1
    assert log.count('Broken: training, ') == 1
    # the two trainings' messages, written from two threads, stay lines
    assert all(line.count(': train') <= 1 for line in log.splitlines()), log
    assert 'Broken: training failed' in log and 'Broken: done' not in log
    cores = len(os.sched_getaffinity(0))
    with open(osp.join(spec.work_dir, 'DirectPose', 'study.log')) as f:
        assert (f'CPU threads: {max(1, cores // 2)} of {cores} cores '
                '(set by OMP_NUM_THREADS)') in f.read()
    with open(osp.join(spec.work_dir, 'results.md')) as f:
        assert 'with 2 trainings side by side' in f.read()
