"""directpose.install(): one documented place that patches the OpenMMLab
stack, idempotent, logged once, reversible."""
import sys

import mmengine.hooks.checkpoint_hook as checkpoint_hook
from mmengine.fileio import LocalBackend, get_file_backend
from mmengine.runner import CheckpointLoader

import directpose
from directpose import patches
from directpose.compat import uses_mmcv_ops_fallback, xtcocotools_mask_works
from directpose.engine import AtomicLocalBackend, load_weights_only


def _rotation_patched():
    return hasattr(checkpoint_hook.CheckpointHook._save_checkpoint_with_step,
                   '__directpose_original__')


def test_install_is_idempotent_and_logs_once(monkeypatch):
    logged = []
    monkeypatch.setattr(patches, 'print_log',
                        lambda msg: logged.append(msg))
    before = directpose.installed()
    assert 'mmcv._ext' in before  # import directpose installed them
    assert directpose.install() == before
    assert logged == []  # already logged at import


def test_uninstall_reverts_and_install_reapplies(monkeypatch):
    logged = []
    monkeypatch.setattr(patches, 'print_log',
                        lambda msg: logged.append(msg))
    mask_patched = 'xtcocotools._mask' in directpose.installed()
    try:
        directpose.uninstall()
        assert directpose.installed() == []
        assert not uses_mmcv_ops_fallback()
        assert 'mmcv._ext' not in sys.modules
        if mask_patched:  # xtcocotools' own is back: broken under numpy 2
            assert not xtcocotools_mask_works()
        assert CheckpointLoader._schemes[''] is not load_weights_only
        assert type(get_file_backend('/tmp/x')) is LocalBackend
        assert 'open' not in vars(checkpoint_hook)
        assert not _rotation_patched()
    finally:
        names = directpose.install()
    assert names == [
        p.name for p in patches.PATCHES
        if mask_patched or p.name != 'xtcocotools._mask'
    ]
    assert len(logged) == 1 and all(name in logged[0] for name in names)
    assert uses_mmcv_ops_fallback() and xtcocotools_mask_works()
    assert CheckpointLoader._schemes[''] is load_weights_only
    assert type(get_file_backend('/tmp/x')) is AtomicLocalBackend
    assert 'open' in vars(checkpoint_hook)
    assert _rotation_patched()
