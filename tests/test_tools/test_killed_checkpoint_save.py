"""A run killed while it saves a checkpoint (``max_keep_ckpts=1``, so the
save also removes the previous one) can be resumed, by ``tools/train.py
--resume`` (killed after the new file is written) and by a study run again
(killed before): the previous checkpoint is removed only after the new one
and ``last_checkpoint`` are written."""
import json
import os
import subprocess
import sys

import pytest
from conftest import point_config_at

CONFIG = 'configs/rtmo/rtmo-tiny_1xb8-30e_synthetic-coco-128x128.py'

# on PYTHONPATH, imported by every Python process at start-up (the study's
# workers too): with KILL_SAVE set, the process dies (os._exit, like SIGKILL:
# no cleanup) in the save of epoch_2.pth, before or after the file is written
KILLING_SITECUSTOMIZE = '''
import os

WHEN = os.environ.get('KILL_SAVE')
if WHEN:
    from mmengine.runner import Runner

    save = Runner.save_checkpoint

    def save_and_die(self, out_dir, filename, *args, **kwargs):
        if filename == 'epoch_2.pth' and WHEN == 'before-write':
            os._exit(137)
        save(self, out_dir, filename, *args, **kwargs)
        if filename == 'epoch_2.pth' and WHEN == 'after-write':
            os._exit(137)

    Runner.save_checkpoint = save_and_die
'''
# 2 epochs, a checkpoint an epoch, one kept
OPTIONS = {
    'train_cfg.max_epochs': 2,
    'default_hooks.checkpoint.interval': 1,
    'default_hooks.checkpoint.max_keep_ckpts': 1,
}


def _run(cmd, repo_root, tmp_path, kill_save=None):
    (tmp_path / 'sitecustomize.py').write_text(KILLING_SITECUSTOMIZE)
    env = dict(
        os.environ,
        OMP_NUM_THREADS='1',
        PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ['PYTHONPATH']]))
    env.pop('KILL_SAVE', None)
    if kill_save:
        env['KILL_SAVE'] = kill_save
    return subprocess.run([sys.executable, *cmd],
                          cwd=repo_root,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)


def _only_the_second_checkpoint_is_left(work_dir):
    assert (work_dir / 'last_checkpoint').read_text().endswith('epoch_2.pth')
    assert sorted(p.name for p in work_dir.glob('*.pth')) == ['epoch_2.pth']


def _left_by_the_kill(work_dir, written):
    """epoch_1.pth, named by last_checkpoint, and epoch_2.pth if the kill
    came after its write."""
    last = (work_dir / 'last_checkpoint').read_text()
    assert last.endswith('epoch_1.pth') and os.path.isfile(last)
    assert (work_dir / 'epoch_2.pth').exists() == written


@pytest.mark.slow
def test_train_killed_in_a_save_resumes(synthetic_coco, repo_root, tmp_path):
    work_dir = tmp_path / 'work'
    cmd = [
        'tools/train.py', CONFIG, '--work-dir',
        str(work_dir), '--no-validate', '--cfg-options',
        *[f'{k}={v}' for k, v in OPTIONS.items()],
        *point_config_at(synthetic_coco, batch_size=4, max_epochs=2),
        'train_dataloader.dataset.indices=4'
    ]
    killed = _run(cmd, repo_root, tmp_path, kill_save='after-write')
    assert killed.returncode == 137, killed.stderr[-3000:]
    _left_by_the_kill(work_dir, written=True)

    cmd.insert(cmd.index('--cfg-options'), '--resume')
    resumed = _run(cmd, repo_root, tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert 'resumed epoch: 1' in resumed.stdout + resumed.stderr
    _only_the_second_checkpoint_is_left(work_dir)


@pytest.mark.slow
def test_study_killed_in_a_save_resumes(synthetic_coco, repo_root, tmp_path):
    work_dir = tmp_path / 'study'
    options = dict(OPTIONS)
    options.update({
        'train_dataloader.batch_size': 4,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'test_dataloader.num_workers': 0,
        'test_dataloader.persistent_workers': False,
    })
    study = tmp_path / 'study.py'
    study.write_text(
        f'work_dir = {str(work_dir)!r}\n'
        f'dataset = dict(type="synthetic", root={synthetic_coco!r}, '
        'preset="easy", format="coco", num_train=8, num_val=4)\n'
        f'cfg_options = {options!r}\n'
        'speed = dict(warmup=0, runs=1, images=1, persons=(1, ), '
        'persons_image_size=64)\n'
        f'methods = [dict(name="RTMO", config={CONFIG!r})]\n')
    cmd = ['tools/compare.py', str(study)]

    killed = _run(cmd, repo_root, tmp_path, kill_save='before-write')
    assert killed.returncode == 1, killed.stderr[-3000:]
    assert 'exit code 137' in killed.stderr
    assert 'RTMO** failed' in (work_dir / 'results.md').read_text()
    _left_by_the_kill(work_dir / 'RTMO', written=False)

    again = _run(cmd, repo_root, tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    log = (work_dir / 'RTMO' / 'study.log').read_text()
    assert 'resumed epoch: 1' in log
    result = json.loads((work_dir / 'RTMO' / 'result.json').read_text())
    assert result['checkpoint'].endswith('epoch_2.pth')
    _only_the_second_checkpoint_is_left(work_dir / 'RTMO')
