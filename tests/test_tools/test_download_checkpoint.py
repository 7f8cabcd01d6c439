"""tools/download_checkpoint.py: by URL or model-zoo name into the cache,
printing the verified path; clear errors; the model-zoo listing."""
import hashlib
import os.path as osp
import subprocess
import sys

import pytest
from conftest import load_script

from directpose.utils import cached_path

PAYLOAD = b'weights' * 1000
SHA = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.fixture
def tool(repo_root):
    return load_script(repo_root, 'tools/download_checkpoint.py')


def call(tool, monkeypatch, capsys, *args):
    monkeypatch.setattr(sys, 'argv', ['download_checkpoint.py', *args])
    tool.main()
    return capsys.readouterr().out


def test_download_by_url_prints_path_and_sha256(repo_root, tmp_path):
    source = tmp_path / f'model-{SHA[:8]}_20240101.pth'
    source.write_bytes(PAYLOAD)
    cache = tmp_path / 'cache'
    proc = subprocess.run([
        sys.executable, 'tools/download_checkpoint.py',
        source.as_uri(), '--cache-dir',
        str(cache), '--print-sha256'
    ],
                          cwd=repo_root,
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    path, digest = proc.stdout.split()
    assert path == cached_path(source.as_uri(), str(cache))
    assert digest == SHA
    assert '100%' in proc.stderr  # progress bar


def test_hash_mismatch_exits_with_the_reason(tool, tmp_path, monkeypatch,
                                             capsys):
    source = tmp_path / 'model-00000000_20240101.pth'
    source.write_bytes(PAYLOAD)
    with pytest.raises(SystemExit, match='does not match the expected'):
        call(tool, monkeypatch, capsys, source.as_uri(), '--cache-dir',
             str(tmp_path / 'cache'), '--no-progress')
    assert not osp.exists(
        cached_path(source.as_uri(), str(tmp_path / 'cache')))


def test_names_without_a_checkpoint_say_why(tool, tmp_path, monkeypatch,
                                            capsys):
    with pytest.raises(
            SystemExit, match='no public checkpoint exists for '
            'DirectPose'):
        call(tool, monkeypatch, capsys,
             'directpose_r50_fpn_8xb4-180k_coco-800x800', '--cache-dir',
             str(tmp_path))
    with pytest.raises(SystemExit, match='not a model-zoo name'):
        call(tool, monkeypatch, capsys, 'rtmo-x', '--cache-dir', str(tmp_path))


def test_list_shows_names_and_urls(tool, monkeypatch, capsys):
    out = call(tool, monkeypatch, capsys, '--list')
    rows = dict(line.split('\t') for line in out.splitlines())
    assert rows['rtmo-s_8xb32-600e_coco-640x640'].endswith(
        '-8db55a59_20231211.pth')
    assert rows['directpose_r50_fpn_8xb4-180k_coco-800x800'] == '-'
