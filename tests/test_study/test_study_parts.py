"""Study files and the markdown table."""
import csv

import pytest

from directpose.study import (Accuracy, BackendSpeed, Cost, MethodResult,
                              Speed, StudyError, load_study, markdown_table,
                              write_report)
from directpose.study.result import Scenes, SubsetAP, ValRepeat


def write(tmp_path, text):
    path = tmp_path / 'study.py'
    path.write_text(text)
    return str(path)


def test_study_file_is_parsed_with_defaults(tmp_path):
    spec = load_study(
        write(
            tmp_path, 'methods = [dict(config="configs/a/model_x.py"), '
            'dict(name="B", config="b.py", checkpoint="b.pth", '
            'cfg_options={"train_cfg.max_epochs": 2})]\n'
            'speed = dict(runs=5, persons=[1, 2])\n'))
    assert [m.name for m in spec.methods] == ['model_x', 'B']
    assert spec.methods[1].checkpoint == 'b.pth'
    assert spec.methods[1].cfg_options == {'train_cfg.max_epochs': 2}
    assert spec.speed.runs == 5 and spec.speed.persons == (1, 2)
    assert spec.speed.warmup == 3  # default
    assert spec.speed.backend == ('pytorch', )  # default
    assert spec.work_dir == 'work_dirs/study'
    assert spec.dataset is None


@pytest.mark.parametrize(
    'text, message',
    [
        ('methods = []', '`methods` must be a non-empty list'),
        ('methods = [dict(name="A")]', 'methods[0]: `config`'),
        ('methods = [dict(config="a.py", epochs=3)]', "unknown field(s) "
         "['epochs']"),
        ('methods = [dict(config="a.py"), dict(config="b/a.py")]',
         'method names must be unique'),
        ('methods = [dict(name="a b", config="a.py")]', "name 'a b'"),
        ('methods = [dict(config="a.py")]\nspeed = dict(runs=0)',
         'speed.runs must be an integer >= 1, got 0'),
        # was a raw ValueError from int('many')
        ('methods = [dict(config="a.py")]\nspeed = dict(runs="many")',
         "speed.runs must be an integer >= 1, got 'many'"),
        ('methods = [dict(config="a.py")]\nspeed = dict(warmup=1.5)',
         'speed.warmup must be an integer >= 0, got 1.5'),
        ('methods = [dict(config="a.py")]\nspeed = dict(persons=["3"])',
         "speed.persons must be a list of person counts >= 0, got ['3']"),
        ('methods = [dict(config="a.py")]\nspeed = dict(backend="tensorrt")',
         "speed.backend must be one or more distinct backends of "
         "('pytorch', 'onnxruntime'), got 'tensorrt'"),
        ('methods = [dict(config="a.py")]\nspeed = dict(reps=3)',
         "speed: unknown field(s) ['reps']"),
        ('methods = [dict(config="a.py")]\ndataset = dict(preset="easy")',
         'dataset.root'),
        ('methods = [dict(config="a.py")]\nmodel = dict()',
         "unknown field(s) ['model']"),
        ('methods = [dict(config="a.py")]\n'
         'dataset = dict(root="d", val_seeds=(1, 2))',
         'dataset.val_seeds must be distinct seeds >= 0, the first 0'),
        ('methods = [dict(config="a.py")]\ndataset = dict(root="d", '
         'preset="huge")', "dataset.preset must be one of ['crowd', 'easy', "
         "'standard'], got 'huge'"),
        ('methods = [dict(config="a.py")]\nsubsets = dict(persons=(3, 1))',
         'subsets.persons: persons edges must be increasing integers'),
        ('methods = [dict(config="a.py")]\nsubsets = dict(size=(0, 9))',
         "subsets: unknown field(s) ['size']"),
        ('methods = [dict(config="a.py")]\nspeed = dict(persons_preset="x")',
         'speed.persons_preset must be one of'),
    ])
def test_bad_study_file_names_the_field(tmp_path, text, message):
    with pytest.raises(StudyError) as error:
        load_study(write(tmp_path, text))
    assert message in str(error.value)


def test_speed_backend_as_a_name_or_several(tmp_path):
    text = 'methods = [dict(config="a.py")]\nspeed = dict(backend={})'
    assert load_study(
        write(tmp_path,
              text.format('"onnxruntime"'))).speed.backend == ('onnxruntime', )
    assert load_study(
        write(tmp_path,
              text.format('["pytorch", "onnxruntime"]'))).speed.backend == (
                  'pytorch', 'onnxruntime')


def test_markdown_table_shows_failures_and_dashes():
    results = [
        MethodResult.failed('Broken', 'config file x.py does not exist')
    ]
    table = markdown_table(results)
    assert '| Broken | - |' in table
    assert '**Broken** failed: config file x.py does not exist' in table


def _result(name, backends):
    return MethodResult(
        name=name,
        config='r.py',
        accuracy=Accuracy('coco', ap=0.5, ap50=0.9, ap75=0.4, ar=0.6),
        cost=Cost(
            params=1e6,
            flops=1e8,
            input_shape=[3, 128, 128],
            train_seconds=None,
            test_seconds=1.0),
        speed=Speed(
            device='cpu (2 threads)',
            memory_kind='peak RSS',
            backend='pytorch',
            backends=backends))


def test_markdown_table_compares_backends():
    latency = dict(
        total=dict(median=20.0, p25=19.0, p75=22.0, n=5),
        postprocess=dict(median=2.0))
    fast = dict(total=dict(median=8.0, p25=7.0, p75=9.0, n=5))
    result = _result(
        'RTMO',
        dict(pytorch=BackendSpeed(latency), onnxruntime=BackendSpeed(fast)))
    broken = _result(
        'DirectPose',
        dict(
            pytorch=BackendSpeed(latency),
            onnxruntime=BackendSpeed(error='ExportError: no exporter')))
    table = markdown_table([result, broken])
    assert '| Latency ms, median (IQR) | onnxruntime ms (x pytorch) |' in table
    assert '| RTMO | 0.500 | 0.900 | 0.400 | - | - | 0.600 | 1.00 | 0.10 ' \
        '| 20.0 (3.0) | 8.0 (0.40x) |' in table
    assert '| 20.0 (3.0) | - |' in table
    assert ('**DirectPose** could not be timed with onnxruntime: '
            'ExportError: no exporter') in table


def test_scenes_default_to_the_dataset_preset(tmp_path):
    methods = 'methods = [dict(config="a.py")]\n'
    crowd = load_study(
        write(
            tmp_path, methods + 'dataset = dict(root="d", preset="crowd", '
            'val_seeds=[0, 1])\nsubsets = dict(persons=[1, 3, 6], '
            'area=[0, 677.5, 1105.5])\n'))
    assert (crowd.speed.persons_preset,
            crowd.speed.persons_image_size) == ('crowd', 160)
    assert crowd.dataset.val_roots() == {0: 'd', 1: 'd/val_seed1'}
    assert [s.name for s in crowd.subsets.subsets()] == [
        'persons 1-2', 'persons 3-5', 'persons 6+', 'area 0-677.5',
        'area 677.5-1105.5', 'area 1105.5+'
    ]
    alone = load_study(write(tmp_path, methods))
    assert (alone.speed.persons_preset,
            alone.speed.persons_image_size) == ('standard', 256)
    assert alone.subsets.subsets() == []
    given = load_study(
        write(
            tmp_path, methods + 'dataset = dict(root="d", preset="crowd")\n'
            'speed = dict(persons_preset="easy", persons_image_size=64)\n'))
    assert (given.speed.persons_preset,
            given.speed.persons_image_size) == ('easy', 64)


def _with_repeat(name, ap, repeat_ap):
    result = _result(name, dict(pytorch=BackendSpeed()))
    result.accuracy = Accuracy('coco', ap=ap, ap50=0.9, ap75=0.4, ar=0.6)
    result.val_repeats = [ValRepeat(seed=1, ap=repeat_ap)]
    return result


def test_ap_gap_between_validation_sets_is_flagged(tmp_path):
    close = _with_repeat('Close', 0.50, 0.52)
    far = _with_repeat('Far', 0.50, 0.45)
    table = markdown_table([close, far])
    assert '| AR | AP val seed 1 | Params (M) |' in table
    assert '| 0.600 | 0.520 | 1.00 |' in table
    assert '| 0.600 | 0.450 \u2020 | 1.00 |' in table
    assert '**Far**: AP differs by 0.050' in table
    assert '**Close**: AP differs' not in table
    write_report([close, far], str(tmp_path))
    with open(tmp_path / 'results.csv') as f:
        rows = list(csv.DictReader(f))
    assert [(r['method'], r['val_gap_flagged'])
            for r in rows] == [('Close', 'False'), ('Far', 'True')]


def test_table_shows_subsets_and_recall_beside_latency():
    latency = dict(
        total=dict(median=20.0, p25=19.0, p75=22.0, n=5),
        postprocess=dict(median=2.0))
    persons = [
        dict(latency, persons=n, annotated=n, recall=r)
        for n, r in ((8, 0.75), (16, 0.5))
    ]
    result = _result('RTMO', dict(pytorch=BackendSpeed(latency, persons)))
    result.subsets = [SubsetAP('persons 1-2', 0.7, 68, 109)]
    result.scenes = Scenes('crowd', 160, 8)
    table = markdown_table([result])
    assert '| AR | AP persons 1-2 | Params (M) |' in table
    assert '| 0.600 | 0.700 | 1.00 |' in table
    assert '| ms @8 pers. (recall) | ms @16 pers.* (recall) |' in table
    assert '| 20.0 (0.75) | 20.0 (0.50) |' in table
    assert 'preset `crowd`, 160x160' in table
    assert "*: more persons than the preset's images have (at most 8)" \
        in table
    assert 'persons 1-2: 68 images, 109 persons' in table
