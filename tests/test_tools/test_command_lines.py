"""tools/compare.py, tools/benchmark.py and tools/run_study.sh as a user
calls them: --help, compare.py's exit status on a failed method and --only
(cheap: no method trains)."""
import os
import os.path as osp
import subprocess
import sys

import pytest

RTMO_TINY = 'configs/rtmo/rtmo-tiny_1xb8-30e_synthetic-coco-256x256.py'


def run(args, cwd, **kwargs):
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=300, **kwargs)


# compare.py --help: through run_study.sh below
@pytest.mark.parametrize('tool, options', [
    ('tools/benchmark.py', ['--persons', '--batch-sizes', '--cfg-options']),
    ('tools/benchmark_training.py',
     ['--scenarios', 'before+busy', '--time-limit', '--cfg-options']),
])
def test_help(tool, options, repo_root):
    proc = run([sys.executable, tool, '--help'], repo_root)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith('usage: ')
    for option in options:
        assert option in proc.stdout


def test_run_study_sets_up_then_passes_arguments_to_compare(
        repo_root, tmp_path):
    # a copy of the script whose set-up step only says it ran (the real
    # one may install packages) and whose .venv is this interpreter
    tools = tmp_path / 'tools'
    tools.mkdir()
    script = (osp.join(repo_root, 'tools/run_study.sh'))
    (tools / 'run_study.sh').write_text(open(script).read())
    (tools / 'setup_env.sh').write_text('echo set-up ran >&2\n')
    os.symlink(osp.join(repo_root, 'tools/compare.py'), tools / 'compare.py')
    python = tmp_path / '.venv/bin/python'
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
    python.chmod(0o755)
    proc = run(['bash', str(tools / 'run_study.sh'), '--help'], repo_root)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'set-up ran' in proc.stderr
    assert proc.stdout.startswith('usage: ')  # compare.py's --help
    assert 'Compare pose estimation methods' in proc.stdout
    for option in ('--only', '--work-dir', '--verbose', '--train-jobs'):
        assert option in proc.stdout


def test_compare_refuses_fewer_than_one_training_at_a_time(repo_root):
    proc = run([
        sys.executable, 'tools/compare.py',
        'configs/studies/synthetic_crowd.py', '--train-jobs', '0'
    ], repo_root)
    assert proc.returncode == 2  # argparse's, before anything runs
    assert 'argument --train-jobs: must be 1 or more, got 0' in proc.stderr


def test_compare_exits_1_on_a_failed_method_and_runs_only_those_named(
        repo_root, tmp_path):
    work_dir = tmp_path / 'work'
    study = tmp_path / 'study.py'
    missing = tmp_path / 'no_such_config.py'
    study.write_text(
        f'work_dir = {str(work_dir)!r}\n'
        f'methods = [dict(name="Broken", config={str(missing)!r}),\n'
        f'           dict(name="RTMO", config={RTMO_TINY!r})]\n')
    proc = run([sys.executable, 'tools/compare.py',
                str(study), '--only', 'Broken'], repo_root)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = proc.stdout + proc.stderr
    assert f'Broken: {study}: method \'Broken\': config file {missing} ' \
        'does not exist' in out
    assert not (work_dir / 'RTMO').exists()  # not in --only: not trained
    assert 'RTMO' not in (work_dir / 'results.md').read_text()
