"""Training killed (SIGKILL) in the middle of an epoch and resumed with
``--resume`` ends with the same weights as a run that was never stopped (and
keeps the user's OMP_NUM_THREADS)."""
import os
import signal
import subprocess
import sys

import pytest
import torch
from conftest import point_config_at

from directpose.engine import load_weights_only

CONFIG = 'configs/rtmo/rtmo-tiny_1xb8-30e_synthetic-coco-256x256.py'
MAX_EPOCHS = 3


@pytest.fixture(scope='module')
def four_images(tmp_path_factory):
    from directpose.datasets.synthetic import make_synthetic_dataset
    root = tmp_path_factory.mktemp('synthetic-coco-4')
    make_synthetic_dataset(
        str(root), preset='easy', fmt='coco', num_train=4, num_val=1)
    return str(root)


def _train_cmd(root, work_dir, *extra):
    # 4 images, 2 a batch: 2 iterations an epoch, a checkpoint every epoch
    opts = point_config_at(
        root, batch_size=2, max_epochs=MAX_EPOCHS) + [
            'randomness.seed=0', 'randomness.deterministic=True'
        ]
    return [
        sys.executable, 'tools/train.py', CONFIG, '--work-dir',
        str(work_dir), '--no-validate', *extra, '--cfg-options', *opts
    ]


def _env():
    # the same thread count in every run: float sums do not depend on it
    return dict(os.environ, OMP_NUM_THREADS='1')


def _final_weights(work_dir):
    ckpt = load_weights_only(str(work_dir / f'epoch_{MAX_EPOCHS}.pth'))
    return ckpt['state_dict']


@pytest.mark.slow
def test_killed_and_resumed_run_ends_with_the_same_weights(
        four_images, repo_root, tmp_path):
    uninterrupted = subprocess.Popen(
        _train_cmd(four_images, tmp_path / 'a'),
        cwd=repo_root,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT)

    killed = subprocess.Popen(
        _train_cmd(four_images, tmp_path / 'b'),
        cwd=repo_root,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True)
    log = []
    for line in killed.stdout:  # kill it once epoch 2 has begun
        log.append(line)
        if 'Epoch(train) [2][1/2]' in line:
            killed.send_signal(signal.SIGKILL)
            break
    killed.wait(timeout=60)
    assert killed.returncode == -signal.SIGKILL, ''.join(log)[-3000:]
    assert not (tmp_path / 'b' / 'epoch_2.pth').exists()

    resumed = subprocess.run(
        _train_cmd(four_images, tmp_path / 'b', '--resume'),
        cwd=repo_root,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600)
    assert resumed.returncode == 0, resumed.stdout[-3000:]
    log = resumed.stdout + resumed.stderr
    assert 'resumed epoch: 1' in log
    if not torch.cuda.is_available():  # the user's thread count wins
        assert 'CPU threads: 1 of ' in log
        assert '(set by OMP_NUM_THREADS)' in log
    assert uninterrupted.wait(timeout=600) == 0

    expected = _final_weights(tmp_path / 'a')
    actual = _final_weights(tmp_path / 'b')
    assert expected.keys() == actual.keys()
    different = [
        k for k in expected if not torch.equal(expected[k], actual[k])
    ]
    assert different == []
