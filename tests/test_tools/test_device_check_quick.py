"""tools/device_check.py --device cpu --quick, as CI runs it: every method
trains (fp32 and fp16 autocast), evaluates, is timed, and the report says
so.

DirectPose-DCC is left out here (the tool runs it by default): its tiny
config, at 256x256, would take a third of the test's time through the same
code of the tool as DirectPose's. Its head trains and predicts under
autocast in test_directpose_head.py, and its tiny config trains and
evaluates in test_custom_keypoints.py."""
import json
import math
import subprocess
import sys

import pytest

METHODS = ('DirectPose', 'RTMO', 'SWAHR')


@pytest.fixture(scope='module')
def quick_run(tmp_path_factory, repo_root):
    out = tmp_path_factory.mktemp('device_check')
    proc = subprocess.run([
        sys.executable, 'tools/device_check.py', '--device', 'cpu', '--quick',
        '--out-dir',
        str(out), '--methods', *METHODS
    ],
                          cwd=repo_root,
                          capture_output=True,
                          text=True,
                          timeout=900)
    with open(out / 'device_check.json') as f:
        report = json.load(f)
    return proc, report, (out / 'device_check.md').read_text()


@pytest.mark.slow
def test_quick_cpu_check_passes(quick_run):
    proc, report, _ = quick_run
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert report['finished'] and report['errors'] == []
    assert report['checks'] and all(c['ok'] for c in report['checks'])
    assert report['device'].startswith('cpu')


@pytest.mark.slow
def test_every_method_trains_in_both_precisions_and_is_evaluated(quick_run):
    _, report, _ = quick_run
    assert set(report['tiny']) == set(METHODS)
    for name in METHODS:
        entry = report['tiny'][name]
        assert entry['fp32']['precision'] == 'fp32'
        assert entry['amp']['precision'] == 'autocast (float16)'
        for precision in ('fp32', 'amp'):
            run = entry[precision]
            assert run['iters'] >= 1 and run['nonfinite_losses'] == 0
            assert all(math.isfinite(x) for x in run['loss_first'])
            assert math.isfinite(run['accuracy']['AP'])


@pytest.mark.slow
def test_two_cpu_processes_on_the_same_batches_give_identical_losses(
        quick_run):
    _, report, _ = quick_run
    for name in METHODS:
        entry = report['tiny'][name]
        reference = entry['cpu_reference']['losses']
        assert len(reference) == report['settings']['reference_iters']
        assert entry['same_batches']['losses'] == reference
        assert max(entry['deviation']['relative']) == 0.0
        # the fp16 run starts from the same weights and batch, computed in
        # another precision: close to the fp32 loss, and not equal to it
        fp32 = entry['fp32']['loss_first'][0]
        fp16 = entry['amp']['loss_first'][0]
        assert fp16 != fp32 and abs(fp16 - fp32) < 1e-2 * abs(fp32)


@pytest.mark.slow
def test_speed_sections_and_markdown(quick_run):
    _, report, markdown = quick_run
    assert len(report['full_size']) == 3
    for run in report['full_size'].values():
        timed = report['settings']['full_iters']
        assert len(run['seconds_per_iter_all']) == timed
        assert run['seconds_per_iter'] > 0
        proj = run['projection_8_gpus']
        assert proj['iterations'] == proj['epochs'] * math.ceil(
            64115 / (8 * run['per_gpu_batch']))
    assert len(report['inference']) == 3
    for entry in report['inference'].values():
        for precision in ('fp32', 'fp16'):
            for batch in ('1', '2'):
                run = entry[precision][batch]
                assert run['ms_per_batch'] > 0 and run['batch'] == int(batch)
                assert run['ms_per_image'] == pytest.approx(
                    run['ms_per_batch'] / run['batch'])
    for title in ('## Checks', '## Tiny synthetic configs',
                  '## Full-size configs', '## Inference latency'):
        assert title in markdown
