"""Study files, accuracy columns, stage timing and the markdown table."""
import time

import pytest
import torch
import torch.nn as nn

from directpose.study import (StageTimer, StudyError, load_study,
                              markdown_table, summarize)
from directpose.study.metrics import accuracy, metric_style


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


def test_accuracy_columns_of_coco_and_crowdpose():
    coco = {
        'coco/AP': 0.5,
        'coco/AP .5': 0.8,
        'coco/AP .75': 0.4,
        'coco/AP (M)': 0.3,
        'coco/AP (L)': 0.6,
        'coco/AR': 0.55,
        'coco/AR .5': 0.9
    }
    assert metric_style(coco) == 'coco'
    assert accuracy(coco) == dict(
        AP=0.5, AP50=0.8, AP75=0.4, APM=0.3, APL=0.6, AR=0.55)
    crowd = {
        f'crowdpose/{k}': 0.1 * i
        for i, k in enumerate([
            'AP', 'AP .5', 'AP .75', 'AR', 'AR .5', 'AR .75', 'AP(E)', 'AP(M)',
            'AP(H)'
        ])
    }
    assert metric_style(crowd) == 'crowdpose'
    assert list(accuracy(crowd)) == [
        'AP', 'AP50', 'AP75', 'AR', 'AP(E)', 'AP(M)', 'AP(H)'
    ]
    with pytest.raises(KeyError, match='CocoMetric'):
        accuracy({'PCK': 0.9})


class _Head(nn.Module):

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x):
        return self.conv(x)

    def predict(self, feats):
        out = self.forward(feats)
        # post-processing outside any module, much longer than the 3x3 conv
        # of 4 channels even on a loaded machine
        time.sleep(0.05)
        return out.sum()


class _Estimator(nn.Module):

    def __init__(self):
        super().__init__()
        self.data_preprocessor = nn.Identity()
        self.backbone = nn.Sequential(*[nn.Conv2d(4, 4, 3, padding=1)] * 8)
        self.head = _Head()

    def test_step(self, data):
        x = self.data_preprocessor(data)
        self.head.predict(self.backbone(x))

        class _Sample:
            pred_instances = [1, 2]

        return [_Sample()]


def test_stage_timer_splits_network_and_post_processing():
    model = _Estimator()
    with StageTimer(model) as timer:
        stages = timer.run(torch.rand(1, 4, 64, 64))
    assert stages['instances'] == 2
    assert stages['neck'] == 0  # no neck
    assert stages['backbone'] > 0 and stages['head'] > 0
    assert stages['postprocess'] > stages['head']  # the python loop
    parts = sum(stages[k] for k in ('preprocess', 'backbone', 'neck', 'head',
                                    'postprocess'))
    assert parts == pytest.approx(stages['total'])
    # the hooks are gone afterwards
    assert not model.backbone._forward_hooks
    assert 'forward' not in vars(model.head)


def test_summarize():
    stats = summarize([4.0, 1.0, 3.0, 2.0])
    assert stats['median'] == 2.5 and stats['n'] == 4
    assert stats['iqr'] == pytest.approx(stats['p75'] - stats['p25'])
    with pytest.raises(ValueError):
        summarize([])


def test_markdown_table_shows_failures_and_dashes():
    results = [
        dict(name='Broken', error='config file x.py does not exist'),
    ]
    table = markdown_table(results)
    assert '| Broken | - |' in table
    assert '**Broken** failed: config file x.py does not exist' in table
