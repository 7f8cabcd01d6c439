"""Every checkpoint loads with weights_only=True: weights from outside, and
a run's own checkpoints through SafeCheckpointHook."""
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import load_checkpoint

from directpose.engine import (CorruptCheckpointError, SafeCheckpointHook,
                               UnsafeCheckpointError, load_weights_only)


class _RunsCode:
    """Unpickling this calls os.system: what a malicious checkpoint does."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


@pytest.fixture
def crafted_checkpoint(tmp_path):
    marker = tmp_path / 'code_ran'
    path = tmp_path / 'crafted.pth'
    torch.save({
        'state_dict': {
            'w': torch.ones(1)
        },
        'x': _RunsCode(marker)
    }, path)
    return path, marker


def test_state_dict_with_numpy_meta_loads(tmp_path):
    path = tmp_path / 'weights.pth'
    meta = dict(
        sigmas=np.linspace(0, 1, 17, dtype=np.float32),
        scale=np.float64(2.5),
        flip_indices=[0, 2, 1])
    torch.save({'state_dict': {'w': torch.arange(3.)}, 'meta': meta}, path)
    ckpt = load_weights_only(str(path))
    torch.testing.assert_close(ckpt['state_dict']['w'], torch.arange(3.))
    np.testing.assert_array_equal(ckpt['meta']['sigmas'], meta['sigmas'])
    assert ckpt['meta']['scale'] == 2.5


def test_crafted_checkpoint_is_refused_and_never_runs(crafted_checkpoint):
    path, marker = crafted_checkpoint
    with pytest.raises(UnsafeCheckpointError) as info:
        load_weights_only(str(path))
    assert str(path) in str(info.value)
    assert 'posix.system' in str(info.value)
    assert not marker.exists()


def test_mmengine_load_checkpoint_uses_the_safe_loader(crafted_checkpoint):
    # the path taken by `load_from`, init_cfg=Pretrained and init_model
    path, marker = crafted_checkpoint
    with pytest.raises(UnsafeCheckpointError):
        load_checkpoint(torch.nn.Linear(1, 1), str(path))
    assert not marker.exists()


def test_missing_checkpoint_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_weights_only(str(tmp_path / 'nope.pth'))


def _truncated(path):
    torch.save({'state_dict': {'w': torch.ones(1000)}}, path)
    path.write_bytes(path.read_bytes()[:2000])


@pytest.mark.parametrize(
    'make, expected', [
        (lambda p: p.write_bytes(b''), 'is empty (0 bytes)'),
        (lambda p: p.write_text('hello, not weights'), 'KeyError: 101'),
        (lambda p: p.write_bytes(bytes(range(256)) * 4), 'UnpicklingError'),
        (_truncated, 'failed finding central directory'),
    ],
    ids=['empty', 'text', 'garbage', 'truncated'])
def test_corrupt_checkpoint_names_the_file(tmp_path, make, expected):
    # were EOFError, a bare KeyError: 101 and torch's zip errors
    path = tmp_path / 'bad.pth'
    make(path)
    with pytest.raises(CorruptCheckpointError) as info:
        load_weights_only(str(path))
    assert f'checkpoint {path} ' in str(info.value)
    assert expected in str(info.value)


def test_message_hub_survives_a_weights_only_round_trip(tmp_path):
    hub = MessageHub.get_instance('test_safe_checkpoint_hook')
    for value in (1.0, 2.0, 4.0):
        hub.update_scalar('train/loss', value)
    hub.update_scalar('train/lr', np.float64(0.5))
    hub.update_info('iter', 3)
    checkpoint = {'message_hub': hub.state_dict()}
    hook = SafeCheckpointHook()
    hook.before_save_checkpoint(None, checkpoint)
    path = tmp_path / 'run.pth'
    torch.save(checkpoint, path)
    # without the hook, the same hub needs builtins.getattr to unpickle
    with pytest.raises(pickle.UnpicklingError):
        torch.save({'message_hub': hub.state_dict()}, tmp_path / 'raw.pth')
        torch.load(tmp_path / 'raw.pth', weights_only=True)

    loaded = load_weights_only(str(path))
    hook.after_load_checkpoint(None, loaded)
    restored = MessageHub.get_instance('test_safe_checkpoint_hook_restored')
    restored.load_state_dict(loaded['message_hub'])
    buffer = restored.log_scalars['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.mean() == pytest.approx(7 / 3)
    assert restored.get_scalar('train/lr').current() == 0.5
    assert restored.get_info('iter') == 3
