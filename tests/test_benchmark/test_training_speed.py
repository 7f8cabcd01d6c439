"""The training benchmark runs each scenario in its own process with the
thread settings it names, starts and stops its busy process, and reports
images/s, the pipeline's ms per image and the evaluation's seconds."""
import os
import os.path as osp

import pytest
import torch
from conftest import TINY_RTMO

from directpose.benchmark.training_speed import (BenchSettings,
                                                 benchmark_training,
                                                 default_scenarios,
                                                 format_table, run_scenario)

BUSY_COMMAND = b'while True: pass'


def _our_busy_children():
    found = []
    for entry in os.listdir('/proc'):
        try:
            with open(f'/proc/{entry}/cmdline', 'rb') as f:
                cmdline = f.read()
            with open(f'/proc/{entry}/stat') as f:
                ppid = f.read().rsplit(')', 1)[1].split()[1]
        except (OSError, IndexError):
            continue
        if BUSY_COMMAND in cmdline and ppid == str(os.getpid()):
            found.append(entry)
    return found


def test_unknown_scenario_is_named():
    with pytest.raises(ValueError, match=r"unknown scenarios \['fast'\]"):
        benchmark_training(BenchSettings(TINY_RTMO), ['before', 'fast'])


LOADERS = {
    f'{loader}_dataloader.{key}': value
    for loader in ('train', 'test')
    for key, value in (('num_workers', 0), ('persistent_workers', False))
}


@pytest.mark.slow  # two processes, each importing torch and mmpose
@pytest.mark.skipif(
    torch.cuda.is_available(), reason='the thread policy is for CPU runs')
def test_training_scenarios_run_in_their_own_processes(repo_root,
                                                       synthetic_coco):
    cores = len(os.sched_getaffinity(0))
    lines = []
    settings = BenchSettings(
        osp.join(repo_root, TINY_RTMO),
        cfg_options=dict(LOADERS, **{'train_dataloader.batch_size': 2}),
        data_root=synthetic_coco,
        iters=2,
        warmup=1)
    result = benchmark_training(
        settings, ['before', 'after+busy-mid'], log=lines.append)
    assert not _our_busy_children()  # the busy process is gone
    runs = result['scenarios']
    assert list(runs) == ['before', 'after+busy-mid']
    assert result['cores'] == cores
    assert result['iters'] == 2 and result['data_root'] == synthetic_coco

    before = runs['before']
    # OMP_NUM_THREADS set for its process: the hook kept it
    assert before['threads_chosen'] == [dict(iter=0, threads=cores, load=None)]
    assert before['iters'] == 2 and before['batch_size'] == 2
    assert before['images_per_s'] == pytest.approx(2 / before['s_per_iter'])
    assert 0 <= before['data_wait'] < 1

    mid = runs['after+busy-mid']
    # the policy measured the load at the start, within its range
    start = mid['threads_chosen'][0]
    assert start['iter'] == 0 and start['load'] is not None
    assert 1 <= start['threads'] <= cores
    assert mid['images_per_s'] > 0

    assert len(lines) == 2 and lines[0].startswith('| before | ')
    table = format_table(result)
    for name in runs:
        assert f'| {name} | ' in table
    assert default_scenarios(cores)['before'].threads == cores


@pytest.mark.slow  # builds a runner and evaluates
def test_pipeline_and_eval_scenarios(repo_root, synthetic_coco, tmp_path):
    scenarios = default_scenarios(2)

    def run(name, **kwargs):
        settings = BenchSettings(
            osp.join(repo_root, TINY_RTMO),
            cfg_options=LOADERS,
            data_root=synthetic_coco,
            **kwargs)
        return run_scenario(scenarios[name], settings, str(tmp_path))

    pipeline = run('pipeline', pipeline_images=3)
    assert pipeline['images'] == 3 and pipeline['ms_per_image'] > 0
    evaluation = run('eval', eval_images=None)
    assert evaluation['images'] == 4  # the whole test set
    assert evaluation['weights'] == 'random'
    assert 'coco/AP' in evaluation['metrics']
    assert evaluation['seconds'] > 0
    assert run('eval', eval_images=2)['images'] == 2  # the first ones
