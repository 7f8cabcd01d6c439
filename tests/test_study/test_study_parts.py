"""Study files and the markdown table."""
import pytest

from directpose.study import (Accuracy, BackendSpeed, Cost, MethodResult,
                              Speed, StudyError, load_study, markdown_table)


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
