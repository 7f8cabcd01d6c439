"""Checkpoints, ``last_checkpoint`` and dumped results are written
atomically: an error in the middle of a write leaves the previous file."""
import os
import stat

import mmengine
import pytest
import torch
from mmengine.fileio import get_file_backend
from mmengine.runner import save_checkpoint

from directpose.engine import AtomicLocalBackend


class _Interrupted(Exception):
    pass


def _interrupt(fd):
    raise _Interrupted


@pytest.fixture
def fail_before_replace(monkeypatch):
    """Make atomic writes fail after their data went to the temporary file
    but before it replaced the final one: where a kill in the middle of a
    write leaves a plain ``open(path, 'wb').write`` truncated."""
    monkeypatch.setattr(os, 'fsync', _interrupt)


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


def test_local_paths_use_the_atomic_backend(tmp_path):
    backend = get_file_backend(str(tmp_path / 'a.pth'))
    assert isinstance(backend, AtomicLocalBackend)
    cached = get_file_backend(str(tmp_path / 'b.pth'), enable_singleton=True)
    assert isinstance(cached, AtomicLocalBackend)


def test_interrupted_checkpoint_keeps_the_previous_one(tmp_path,
                                                       fail_before_replace):
    path = tmp_path / 'epoch_1.pth'
    with open(path, 'wb') as f:
        torch.save({'state_dict': {'w': torch.zeros(3)}}, f)
    with pytest.raises(_Interrupted):
        save_checkpoint({'state_dict': {'w': torch.ones(3)}}, str(path))
    kept = torch.load(path, weights_only=True)
    assert torch.equal(kept['state_dict']['w'], torch.zeros(3))
    assert _files(tmp_path) == ['epoch_1.pth']  # no temporary file left


def test_checkpoint_is_written_with_the_usual_permissions(tmp_path):
    path = tmp_path / 'epoch_1.pth'
    save_checkpoint({'state_dict': {'w': torch.ones(3)}}, str(path))
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~mask
    assert torch.equal(
        torch.load(path, weights_only=True)['state_dict']['w'], torch.ones(3))


def test_interrupted_dump_keeps_the_previous_results(tmp_path,
                                                     fail_before_replace):
    path = tmp_path / 'results.json'
    path.write_text('[1]')
    with pytest.raises(_Interrupted):
        mmengine.dump([1, 2, 3], str(path))
    assert path.read_text() == '[1]'
    with pytest.raises(_Interrupted):
        mmengine.dump([1, 2, 3], str(tmp_path / 'new.pkl'))
    assert _files(tmp_path) == ['results.json']


def test_checkpoint_hook_writes_last_checkpoint_atomically(
        tmp_path, monkeypatch):
    from mmengine.hooks import checkpoint_hook
    path = tmp_path / 'last_checkpoint'
    path.write_text('/old/epoch_1.pth')
    with checkpoint_hook.open(str(path), 'w') as f:
        f.write('/new/epoch_2.pth')
    assert path.read_text() == '/new/epoch_2.pth'

    monkeypatch.setattr(os, 'fsync', _interrupt)
    with pytest.raises(_Interrupted):
        with checkpoint_hook.open(str(path), 'w') as f:
            f.write('/newer/epoch_3.pth')
    assert path.read_text() == '/new/epoch_2.pth'
    assert _files(tmp_path) == ['last_checkpoint']
    # reading is untouched
    with checkpoint_hook.open(str(path)) as f:
        assert f.read() == '/new/epoch_2.pth'
