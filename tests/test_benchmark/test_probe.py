"""Training probes of the device check: the recorder hook, the probe
config, loss deviations and the schedule projection."""
import math
import time
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config

from directpose.benchmark.probe import (IterationRecorder, draw_batches,
                                        loss_deviation, precision_of,
                                        probe_config, probe_training,
                                        schedule_projection)
from directpose.datasets.synthetic import point_at_dataset

TINY = 'configs/directpose/' \
    'directpose_r18-tiny_fpn_1xb8-30e_synthetic-coco-128x128.py'
FULL = 'configs/directpose/directpose_r50_fpn_8xb4-180k_coco-800x800.py'


def fake_runner(max_iters):
    return SimpleNamespace(
        train_loop=SimpleNamespace(
            iter=0, max_iters=max_iters, stop_training=False))


def run_iters(recorder, runner, n, seconds=0.0):
    recorder.before_train(runner)
    for i in range(n):
        runner.train_loop.iter = i
        recorder.before_train_iter(runner, i)
        time.sleep(seconds)
        recorder.after_train_iter(
            runner, i, outputs=dict(loss=torch.tensor(float(i)), acc=1.0))
        if runner.train_loop.stop_training:
            break


def test_recorder_keeps_losses_and_times_of_every_iteration():
    recorder, runner = IterationRecorder(), fake_runner(3)
    run_iters(recorder, runner, 3, seconds=0.01)
    assert recorder.losses == [dict(loss=0.0), dict(loss=1.0), dict(loss=2.0)]
    assert len(recorder.iter_seconds) == 3
    assert all(s >= 0.01 for s in recorder.iter_seconds)
    assert all(0 <= d < s
               for d, s in zip(recorder.data_seconds, recorder.iter_seconds))
    assert not recorder.stopped_early and not runner.train_loop.stop_training


def test_recorder_stops_training_at_its_time_limit():
    recorder, runner = IterationRecorder(time_limit_s=0.0), fake_runner(5)
    run_iters(recorder, runner, 5)
    assert len(recorder.losses) == 1  # the first iteration ends past 0 s
    assert recorder.stopped_early and runner.train_loop.stop_training
    # the last iteration ending late is no early stop
    recorder, runner = IterationRecorder(time_limit_s=0.0), fake_runner(1)
    run_iters(recorder, runner, 1)
    assert not recorder.stopped_early


@pytest.fixture(scope='module')
def tiny_cfg(repo_root):
    return Config.fromfile(f'{repo_root}/{TINY}')


def test_probe_config_trains_iterations_without_validation(tiny_cfg):
    cfg = probe_config(tiny_cfg, 7, '/tmp/w', 'probe-a', evaluate=True)
    assert cfg.train_cfg == dict(
        type='IterBasedTrainLoop', max_iters=7, val_interval=8)
    assert cfg.val_cfg is None and cfg.val_dataloader is None
    assert cfg.test_dataloader is not None  # evaluate keeps the test loop
    assert cfg.default_hooks.checkpoint is None
    assert cfg.randomness == dict(seed=0, deterministic=False)
    assert cfg.experiment_name == 'probe-a' and cfg.work_dir == '/tmp/w'
    assert precision_of(cfg) == 'fp32'
    assert 'max_iters' not in tiny_cfg.train_cfg  # not modified
    cfg = probe_config(tiny_cfg, 7, '/tmp/w', 'probe-b')
    assert cfg.test_dataloader is None and cfg.test_evaluator is None


@pytest.mark.slow
def test_runs_on_the_same_batches_see_the_same_data(tiny_cfg, synthetic_coco,
                                                    tmp_path):
    """Two runs of other seeds (other shuffles and augmentations) from the
    same weights give the same losses when given the same batches."""
    from mmpose.registry import MODELS
    cfg = tiny_cfg.copy()
    point_at_dataset(cfg, synthetic_coco)
    cfg.train_dataloader.update(batch_size=2, num_workers=0,
                                persistent_workers=False)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    cfg.load_from = str(tmp_path / 'init.pth')
    torch.save({'state_dict': model.state_dict()}, cfg.load_from)
    batches = draw_batches(cfg, 2, seed=0)

    def losses(seed, batches=None):
        probe = probe_config(cfg, 2, str(tmp_path / f'w{seed}'),
                             f'same-batches-{seed}-{batches is None}',
                             seed=seed)
        probe.load_from = cfg.load_from
        result = probe_training(probe, batches=batches)
        return [t['loss'] for t in result['losses']]

    fixed = losses(0, batches)
    assert len(fixed) == 2 and all(math.isfinite(x) for x in fixed)
    assert losses(1, batches) == fixed
    assert losses(1)[0] != fixed[0]  # the seed changes the loader's data


def test_probe_config_mixed_precision(tiny_cfg, monkeypatch):
    cfg = probe_config(tiny_cfg, 1, '/tmp/w', 'p', precision='amp')
    expected = ('amp (fp16, dynamic loss scale)'
                if torch.cuda.is_available() else 'autocast (float16)')
    assert precision_of(cfg) == expected
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = probe_config(tiny_cfg, 1, '/tmp/w', 'p', precision='amp')
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'
    with pytest.raises(ValueError, match='precision'):
        probe_config(tiny_cfg, 1, '/tmp/w', 'p', precision='fp8')


def test_probe_config_drops_pretrained_weights(repo_root):
    cfg = Config.fromfile(f'{repo_root}/{FULL}')
    assert cfg.model.backbone.init_cfg.type == 'Pretrained'
    cfg = probe_config(cfg, 1, '/tmp/w', 'p')
    assert cfg.model.backbone.init_cfg is None


def test_loss_deviation_per_range_of_iterations():
    reference = [10.0, 10.0, 10.0, 10.0]
    other = [10.0, 10.01, 9.9, 10.0]
    dev = loss_deviation(reference, other,
                         ((1, 1, 1e-6), (2, 3, 2e-3), (4, 20, 0.5)))
    assert dev['relative'] == pytest.approx([0.0, 1e-3, 1e-2, 0.0])
    assert dev['max'] == pytest.approx({'1-1': 0.0, '2-3': 1e-2, '4-20': 0.0})
    assert dev['within'] is False  # 1e-2 > 2e-3 in 2-3
    dev = loss_deviation(reference, other[:2],
                         ((1, 1, 1e-6), (2, 3, 2e-3), (4, 20, 0.5)))
    assert set(dev['max']) == {'1-1', '2-3'} and dev['within'] is True
    nan = loss_deviation([1.0], [math.nan], ((1, 1, 1.0), ))
    assert nan['within'] is False  # NaN never passes
    assert loss_deviation([], [1.0], ((1, 1, 1.0), ))['within'] is None


def test_schedule_projection_formula():
    proj = schedule_projection(0.5, 4, 64115, gpus=8, epochs=48)
    assert proj['iterations'] == 48 * math.ceil(64115 / 32) == 96192
    assert proj['hours'] == pytest.approx(96192 * 0.5 / 3600)
    assert schedule_projection(
        1.0, 64115, 64115, 1, epochs=1)['iterations'] == 1
    # an iteration-based schedule (DirectPose's 180k)
    proj = schedule_projection(0.4, 4, 64115, gpus=8, max_iters=180000)
    assert proj['hours'] == pytest.approx(180000 * 0.4 / 3600)
    with pytest.raises(ValueError, match='epochs or max_iters'):
        schedule_projection(0.4, 4, 64115, epochs=1, max_iters=1)
