"""tools/train.py, --resume and tools/test.py on the tiny RTMO config, as a
user runs them (separate processes)."""
import json
import math
import os
import os.path as osp
import pickle
import re
import socket
import subprocess
import sys

import pytest
import torch
from conftest import point_config_at, pseudo_ground_truth

from directpose.engine import load_weights_only
from directpose.engine.cpu_threads import choose_threads

pytestmark = pytest.mark.slow  # every test trains (the fixture or its own)

RTMO_TINY = 'configs/rtmo/rtmo-tiny_1xb8-30e_synthetic-coco-256x256.py'


def run(args, cwd, env=None):
    proc = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def _env_without_thread_settings():
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS')
    }


@pytest.fixture(scope='module')
def trained(tmp_path_factory, repo_root, synthetic_coco):
    work_dir = str(tmp_path_factory.mktemp('rtmo_tiny'))
    out = run([
        sys.executable, 'tools/train.py', RTMO_TINY, '--work-dir', work_dir,
        '--cfg-options', *point_config_at(synthetic_coco)
    ], repo_root, _env_without_thread_settings())
    return work_dir, out


def test_train_logs_the_cpu_threads_it_chose(trained):
    if torch.cuda.is_available():
        pytest.skip('the thread policy is for CPU runs')
    _, out = trained
    chosen = re.search(
        r'CPU threads: (\d+) of (\d+) cores \(other load ([\d.]+) cores\)',
        out)
    assert chosen, out[-2000:]
    threads, cores, load = int(chosen[1]), int(chosen[2]), float(chosen[3])
    assert cores == len(os.sched_getaffinity(0))
    # the policy's answer for the load logged (to its printed precision)
    assert threads in {choose_threads(cores, load + d) for d in (-.05, .05)}


def test_train_saves_a_weights_only_checkpoint(trained):
    work_dir, out = trained
    ckpt = osp.join(work_dir, 'epoch_1.pth')
    assert osp.isfile(ckpt), out[-2000:]
    # nothing beyond tensors, containers and numpy arrays (dataset_meta)
    unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(ckpt)
    assert {u for u in unsafe if not u.startswith('numpy')} == set()
    loaded = load_weights_only(ckpt)
    assert loaded['meta']['epoch'] == 1
    assert 'coco/AP' in out  # validated at the end of the epoch


def test_resume_continues_from_the_checkpoint(trained, repo_root,
                                              synthetic_coco):
    work_dir, _ = trained
    out = run([
        sys.executable, 'tools/train.py', RTMO_TINY, '--work-dir', work_dir,
        '--resume', '--cfg-options',
        *point_config_at(synthetic_coco, max_epochs=2)
    ], repo_root, dict(os.environ, OMP_NUM_THREADS='1'))
    assert 'resumed epoch: 1' in out
    if not torch.cuda.is_available():  # the user's choice wins
        assert 'CPU threads: 1 of ' in out
        assert '(set by OMP_NUM_THREADS)' in out
    assert osp.isfile(osp.join(work_dir, 'epoch_2.pth'))


def test_test_tool_evaluates_and_writes_metrics(trained, repo_root,
                                                synthetic_coco, tmp_path):
    work_dir, _ = trained
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    # every candidate kept: one epoch leaves the scores low
    opts = point_config_at(synthetic_coco) + ['model.test_cfg.score_thr=0']

    def test(name, *extra):
        out = tmp_path / name
        run([
            sys.executable, 'tools/test.py', RTMO_TINY, checkpoint,
            '--work-dir',
            str(out), '--out',
            str(out / 'metrics.json'), '--dump',
            str(out / 'results.pkl'), '--cfg-options', *opts, *extra
        ], repo_root)
        with open(out / 'results.pkl', 'rb') as f:
            results = pickle.load(f)
        return results, json.loads((out / 'metrics.json').read_text())

    results, metrics = test('val')
    assert len(results) == 4  # every validation image
    assert all(math.isfinite(metrics[k]) for k in ('coco/AP', 'coco/AR'))
    # against ground truth made of each image's best prediction, the
    # metrics written are those of a model that finds them: a floor that
    # random outputs, other weights or a broken evaluation do not reach
    pseudo = tmp_path / 'pseudo_val.json'
    pseudo_ground_truth(results, f'{synthetic_coco}/annotations/val.json',
                        pseudo)
    _, metrics = test('pseudo', f'test_evaluator.ann_file={pseudo}')
    assert 0.1 < metrics['coco/AP'] <= 1 and metrics['coco/AR'] > 0.1


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_dist_train_two_processes_on_cpu(repo_root, synthetic_coco, tmp_path):
    env = dict(
        os.environ,
        PYTHON=sys.executable,
        PORT=str(_free_port()),
        OMP_NUM_THREADS='1')
    out = run([
        'bash', 'tools/dist_train.sh', RTMO_TINY, '2', '--work-dir',
        str(tmp_path), '--cfg-options',
        *point_config_at(synthetic_coco, batch_size=2)
    ], repo_root, env)
    assert 'Distributed training: True' in out
    # 8 images, 2 per batch and process: 2 iterations per epoch, not 4
    assert 'Epoch(train) [1][2/2]' in out
    assert osp.isfile(tmp_path / 'epoch_1.pth')
