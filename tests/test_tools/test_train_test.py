"""tools/train.py on the tiny RTMO config, as a user runs it (a separate
process): the CPU threads it chose and the checkpoint it saved.

(``--resume`` is tested in test_resume_after_kill.py and
test_killed_checkpoint_save.py; tools/test.py, and the same with two
processes, in test_distributed.py; two training processes, with the tiny
RTMO through slurm_train.sh, in test_distributed.py too.)"""
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch
from conftest import point_config_at

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
