"""Several processes on CPU (gloo): tools/dist_train.sh trains each method's
synthetic config (RTMO's through tools/slurm_train.sh), and tools/test.py
evaluates and writes metrics, which tools/dist_test.sh gathers from both
processes into the same results and metrics as one process."""
import json
import math
import os
import pickle
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import point_config_at, pseudo_ground_truth
from mmengine.config import Config
from mmpose.registry import MODELS

CONFIGS = {
    'directpose': 'configs/directpose/'
    'directpose_r18-tiny_fpn_1xb8-40e_synthetic-coco-256x256.py',
    'swahr':
    'configs/swahr/swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py',
    'rtmo': 'configs/rtmo/rtmo-tiny_1xb8-30e_synthetic-coco-256x256.py',
    # strides 8/16, as the main job's RTMO: parameters without gradients,
    # which DDP must be told of (find_unused_parameters)
    'rtmo-128': 'configs/rtmo/rtmo-tiny_1xb8-30e_synthetic-coco-128x128.py',
}


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _env():
    return dict(
        os.environ,
        PYTHON=sys.executable,
        PORT=str(_free_port()),
        OMP_NUM_THREADS='1')


def _run(args, cwd):
    proc = subprocess.run(
        args, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


@pytest.mark.slow
@pytest.mark.parametrize('method', ['directpose', 'swahr'])
def test_dist_train_two_processes(method, repo_root, synthetic_coco, tmp_path):
    out = _run([
        'bash', 'tools/dist_train.sh', CONFIGS[method], '2', '--work-dir',
        str(tmp_path), '--cfg-options',
        *point_config_at(synthetic_coco, batch_size=2)
    ], repo_root)
    assert 'Distributed training: True' in out
    # 8 images, 2 a batch and a process: 2 iterations, not 4
    assert 'Epoch(train) [1][2/2]' in out
    assert 'coco/AP' in out  # validated with both processes
    assert (tmp_path / 'epoch_1.pth').is_file()
    if method == 'swahr':  # its loss terms (the tiny configs' one training)
        for key in ('loss_kpt_higher', 'loss_pull', 'loss_push'):
            assert key in out


FAKE_SRUN = r"""#!/usr/bin/env bash
# srun for tests: records its arguments, then starts --ntasks copies of the
# command on this machine with the variables slurm sets
echo "$@" > "$SRUN_LOG"
ntasks=1
while [[ $# -gt 0 && "$1" == -* ]]; do
    case "$1" in
        --ntasks=*) ntasks="${1#--ntasks=}" ;;
        -p) shift ;;
    esac
    shift
done
pids=()
for ((i = 0; i < ntasks; i++)); do
    SLURM_PROCID=$i SLURM_LOCALID=$i SLURM_NTASKS=$ntasks \
        SLURM_NODELIST=localhost "$@" &
    pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit $status
"""


@pytest.mark.slow
def test_slurm_train_on_a_cpu_partition(repo_root, synthetic_coco, tmp_path):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    (bin_dir / 'srun').write_text(FAKE_SRUN)
    (bin_dir / 'srun').chmod(0o755)
    env = dict(
        _env(),
        PATH=f"{bin_dir}:{os.environ['PATH']}",
        SRUN_LOG=str(tmp_path / 'srun_args'),
        MASTER_ADDR='127.0.0.1',
        GPUS='2',
        GPUS_PER_NODE='0',
        TASKS_PER_NODE='2')
    env['MASTER_PORT'] = env['PORT']
    proc = subprocess.run([
        'bash', 'tools/slurm_train.sh', 'cpu', 'tiny', CONFIGS['rtmo-128'],
        str(tmp_path / 'work'), '--cfg-options',
        *point_config_at(synthetic_coco, batch_size=2)
    ],
                          cwd=repo_root,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    srun_args = (tmp_path / 'srun_args').read_text()
    assert '--gres' not in srun_args and '--ntasks-per-node=2' in srun_args
    assert 'Distributed training: True' in out
    assert 'Epoch(train) [1][2/2]' in out  # 8 images, 2 x 2 a step
    assert (tmp_path / 'work' / 'epoch_1.pth').is_file()


@pytest.fixture(scope='module')
def rtmo_checkpoint(repo_root, tmp_path_factory):
    """Freshly initialised tiny RTMO weights (a plain state dict)."""
    cfg = Config.fromfile(f"{repo_root}/{CONFIGS['rtmo']}")
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    path = tmp_path_factory.mktemp('rtmo') / 'init.pth'
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path)


def _test(procs, checkpoint, out_dir, opts, repo_root):
    """tools/test.py (1 process) or tools/dist_test.sh: (dumped predictions,
    metrics)."""
    args = [
        '--work-dir',
        str(out_dir), '--out',
        str(out_dir / 'metrics.json'), '--dump',
        str(out_dir / 'results.pkl'), '--cfg-options', *opts
    ]
    if procs == 1:
        _run([
            sys.executable, 'tools/test.py', CONFIGS['rtmo'], checkpoint, *args
        ], repo_root)
    else:
        log = _run([
            'bash', 'tools/dist_test.sh', CONFIGS['rtmo'], checkpoint,
            str(procs), *args
        ], repo_root)
        assert 'Distributed training: True' in log
    with open(out_dir / 'results.pkl', 'rb') as f:
        results = pickle.load(f)
    return results, json.loads((out_dir / 'metrics.json').read_text())


@pytest.mark.slow
def test_test_tool_and_dist_test_give_the_same_results_and_metrics(
        rtmo_checkpoint, repo_root, synthetic_coco, tmp_path):
    # keep every candidate: an untrained model scores low
    opts = point_config_at(synthetic_coco) + ['model.test_cfg.score_thr=0']
    first, metrics = _test(1, rtmo_checkpoint, tmp_path / 'first', opts,
                           repo_root)
    assert len(first) == 4  # every validation image
    assert all(math.isfinite(metrics[k]) for k in ('coco/AP', 'coco/AR'))
    # against ground truth made of each image's best prediction, the
    # metrics written are those of a model that finds them: a floor that
    # outputs of other weights or a broken evaluation do not reach
    pseudo = tmp_path / 'pseudo_val.json'
    pseudo_ground_truth(first, f'{synthetic_coco}/annotations/val.json',
                        pseudo)
    opts += [
        f'val_evaluator.ann_file={pseudo}', f'test_evaluator.ann_file={pseudo}'
    ]

    single, single_metrics = _test(1, rtmo_checkpoint, tmp_path / '1proc',
                                   opts, repo_root)
    multi, multi_metrics = _test(2, rtmo_checkpoint, tmp_path / '2proc', opts,
                                 repo_root)
    assert 0.1 < single_metrics['coco/AP'] <= 1
    assert single_metrics['coco/AR'] > 0.1
    assert multi_metrics == pytest.approx(single_metrics, abs=1e-9)
    # all 4 validation images, each once, in the same order
    assert len(single) == 4
    assert [r['img_id'] for r in multi] == [r['img_id'] for r in single]
    for a, b in zip(single, multi):
        for key in ('keypoints', 'keypoint_scores', 'bboxes'):
            np.testing.assert_allclose(
                a['pred_instances'][key],
                b['pred_instances'][key],
                rtol=1e-5,
                atol=1e-4)
