"""Parts of the device check: settings, the fixed post-processing load, the
time shares of the tiny runs, probe summaries and the markdown report."""
import math

import pytest
from mmengine.config import Config

from directpose.benchmark.device_check import (FULL_SIZE_CONFIGS,
                                               INFERENCE_MODELS, RESERVE_S,
                                               TINY_CONFIGS, TINY_OVERHEAD_S,
                                               CheckSettings, DeviceCheck,
                                               fixed_load, summarize_probe)
from directpose.benchmark.device_report import format_report


def test_settings_of_a_full_cuda_run_and_of_a_quick_one():
    full = CheckSettings.create('cuda')
    assert full.budget_s == 220 and full.tiny_iters == 300
    assert full.batch_sizes == (1, 8) and full.tiny_batch is None
    assert 1 <= full.reference_threads <= 8
    quick = CheckSettings.create('cpu', quick=True, tiny_iters=5, seed=None)
    assert quick.budget_s == 0 and quick.tiny_iters == 5
    assert quick.seed == 0  # None leaves the default
    assert quick.reference_iters <= quick.tiny_iters


@pytest.mark.parametrize('name', INFERENCE_MODELS)
def test_fixed_load_of_every_timed_model(name, repo_root):
    cfg = Config.fromfile(f'{repo_root}/{INFERENCE_MODELS[name][0]}')
    text = fixed_load(cfg, 64)
    if name.startswith('SWAHR'):
        assert cfg.model.head.decoder.decode_keypoint_thr == 0
        assert 'AE grouping of the 30 best peaks' in text
    else:
        assert cfg.model.test_cfg.score_thr == 0
        # DirectPose keeps nms_pre per level (5 levels): 64 in all at most
        per_level = 12 if name.startswith('DirectPose') else 64
        assert cfg.model.test_cfg.nms_pre == per_level
        assert text.startswith('64 candidates per image into NMS')


def test_every_listed_config_exists(repo_root):
    paths = [*TINY_CONFIGS.values(), *FULL_SIZE_CONFIGS.values()]
    paths += [path for path, _, _ in INFERENCE_MODELS.values()]
    for path in paths:
        assert Config.fromfile(f'{repo_root}/{path}').model


def test_tiny_runs_share_the_budget_left_after_the_reserve(tmp_path):
    settings = CheckSettings.create('cpu', quick=False, budget_s=1000.0)
    check = DeviceCheck(settings, '.', str(tmp_path), str(tmp_path),
                        lambda path: [])
    reserve = 3 * RESERVE_S['full_size'] + 4 * RESERVE_S['inference']
    assert check.reserve() == reserve
    limit = check.tiny_time_limit(8)
    assert limit == pytest.approx(
        (1000 - reserve) / 8 - TINY_OVERHEAD_S, abs=0.5)
    check.sections_done = {'full_size'}  # run before the tiny runs
    assert check.reserve() == 4 * RESERVE_S['inference']
    settings.sections = ('tiny', )
    assert check.reserve() == 0
    settings.budget_s = 0  # no budget: no limit
    assert check.tiny_time_limit(8) is None


def test_summary_of_a_probe():
    losses = [dict(loss=float(10 - i), loss_a=1.0) for i in range(30)]
    losses[3] = dict(loss=math.inf)
    result = dict(
        precision='fp32',
        stopped_early=False,
        losses=losses,
        iter_seconds=[5.0] * 5 + [0.1] * 25,
        data_seconds=[1.0] * 5 + [0.01] * 25,
        peak_allocated_mib=None,
        peak_reserved_mib=None,
        loss_scale=None,
        seconds=9.0,
        metrics={
            'coco/AP': 0.5,
            'coco/AP .5': 0.8,
            'coco/AP .75': 0.4,
            'coco/AP (M)': 0.5,
            'coco/AP (L)': -1.0,
            'coco/AR': 0.6
        })
    summary = summarize_probe(result)
    assert summary['iters'] == 30 and summary['nonfinite_losses'] == 1
    assert len(summary['loss_first']) == 20
    assert summary['loss_last'] == pytest.approx(-14.5)  # mean of last 10
    assert summary['seconds_per_iter'] == pytest.approx(0.1)  # after warm-up
    assert summary['data_seconds_per_iter'] == pytest.approx(0.01)
    assert summary['accuracy']['AP'] == 0.5 and summary['accuracy']['AR'] \
        == 0.6


def report(**sections):
    base = dict(
        device='cuda: NVIDIA H200',
        torch='2.11.0',
        cuda='13.0',
        python='3.12.3',
        cpu_count=16,
        started='now',
        elapsed_s=200.0,
        finished=True,
        settings=CheckSettings.create('cuda').__dict__,
        loss_tolerances=[[1, 1, 1e-3], [2, 5, 1e-2], [6, 20, 5e-2]],
        coco_person_images=64115,
        tiny={},
        full_size={},
        inference={},
        checks=[],
        errors=[])
    base.update(sections)
    return base


def tiny_run(precision='fp32'):
    return dict(
        precision=precision,
        iters=300,
        stopped_early=precision != 'fp32',
        loss_first=[8.0],
        loss_last=2.0,
        nonfinite_losses=0,
        seconds_per_iter=0.04,
        peak_allocated_mib=900.0,
        loss_scale=None if precision == 'fp32' else 65536.0,
        accuracy=dict(AP=0.25, AR=0.4))


def test_report_tables_show_results_errors_and_skipped_items():
    text = format_report(
        report(
            tiny=dict(
                DirectPose=dict(
                    fp32=tiny_run(),
                    amp=tiny_run('amp (fp16, dynamic loss scale)'),
                    deviation=dict(max={
                        '1-1': 1e-5,
                        '2-5': 2e-4
                    })),
                SWAHR=dict(fp32=dict(error='RuntimeError: boom'))),
            full_size={
                'RTMO-s 640':
                dict(
                    per_gpu_batch=32,
                    seconds_per_iter=0.5,
                    data_seconds_per_iter=0.01,
                    images_per_second=64.0,
                    peak_allocated_mib=20000.0,
                    peak_reserved_mib=24000.0,
                    projection_8_gpus=dict(
                        epochs=600, iterations=150600, hours=20.9)),
                'SWAHR W32-512':
                dict(skipped='time budget spent')
            },
            inference={
                'DirectPose R-50':
                dict(
                    model=dict(
                        input_size=[1333, 800],
                        padded_input=[1408, 896],
                        flip_test=False,
                        postprocess_load='100 candidates',
                        published='74-87 ms'),
                    fp32={
                        '1':
                        dict(
                            ms_per_batch=30.0,
                            ms_per_image=30.0,
                            network_ms=25.0,
                            postprocess_ms=5.0,
                            persons=20.0,
                            memory_mib=500.0)
                    })
            },
            checks=[
                dict(name='DirectPose fp32: trains', ok=True, detail='x'),
                dict(name='SWAHR fp32: trains', ok=False, detail='boom')
            ],
            errors=[dict(item='tiny: SWAHR / fp32', error='boom')]))
    assert '| DirectPose fp32: trains | ok | x |' in text
    assert '| SWAHR fp32: trains | **FAILED** | boom |' in text
    assert ('| DirectPose | fp32 | 300 | 0.040 | 900 | 8.000 -> 2.000 | '
            '0.250 | 0.400 | - | 1-1: 1.0e-05, 2-5: 2.0e-04 |') in text
    assert '| 300 (time limit) |' in text  # the AMP run was cut short
    assert '| SWAHR | fp32 | error: RuntimeError: boom |' in text
    assert ('| RTMO-s 640 | 32 | 0.500 | 0.010 | 64.0 | 20000 / 24000 | 600 '
            '| 150600 | 20.9 |') in text
    assert '| SWAHR W32-512 | skipped: time budget spent |' in text
    assert ('| DirectPose R-50 | 1333x800 (1408x896) | fp32 | 1 | 30.0 | '
            '30.00 | 25.0 | 5.0 | 20 | 500 | 74-87 ms |') in text
    assert 'ceil(64115 / (8 x per-GPU batch))' in text
    assert '## Errors' in text and '- tiny: SWAHR / fp32: boom' in text


def test_report_of_a_run_cut_short_has_only_its_sections():
    text = format_report(report(finished=False))
    assert 'finished: no (cut short)' in text
    assert '## Tiny' not in text and '## Errors' not in text
