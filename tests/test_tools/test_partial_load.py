"""tools/test.py, tools/submit.py and demo/image_demo.py refuse the
checkpoint of another model (a tiny SWAHR one for a DirectPose config),
naming it and its first unfit keys, and use it with --allow-partial-load."""
import glob
import json
import os.path as osp
import subprocess
import sys

import pytest
import torch
from conftest import load_script, point_config_at
from mmengine.config import Config
from mmpose.registry import MODELS

from directpose.engine import CheckpointMismatchError

DIRECTPOSE_TINY = (
    'configs/directpose/'
    'directpose_r18-tiny_fpn_1xb8-40e_synthetic-coco-256x256.py')
SWAHR_TINY = ('configs/swahr/'
              'swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py')


@pytest.fixture(scope='module')
def swahr_checkpoint(repo_root, tmp_path_factory):
    model = MODELS.build(
        Config.fromfile(osp.join(repo_root, SWAHR_TINY)).model)
    path = tmp_path_factory.mktemp('ckpt') / 'swahr_tiny.pth'
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path)


def assert_names_the_mismatch(message, checkpoint):
    assert f'checkpoint {checkpoint} does not fit the ' in message
    assert "99.7% of the model's" in message
    assert 'missing (' in message and 'unexpected (' in message
    assert 'backbone.' in message  # the first keys
    assert '--allow-partial-load' in message


def test_test_tool(repo_root, synthetic_coco, swahr_checkpoint, tmp_path,
                   monkeypatch):
    args = [
        'tools/test.py', DIRECTPOSE_TINY, swahr_checkpoint, '--work-dir',
        str(tmp_path), '--out',
        str(tmp_path / 'metrics.json'), '--cfg-options',
        *point_config_at(synthetic_coco)
    ]
    # the refusal in this process (as the submit and demo tests do), the
    # run that loads anyway as a program
    test_tool = load_script(repo_root, 'tools/test.py')
    monkeypatch.chdir(repo_root)
    monkeypatch.setattr(sys, 'argv', args)
    with pytest.raises(CheckpointMismatchError) as info:
        test_tool.main()
    assert_names_the_mismatch(str(info.value), swahr_checkpoint)
    assert not (tmp_path / 'metrics.json').exists()

    proc = subprocess.run([sys.executable, *args, '--allow-partial-load'],
                          cwd=repo_root,
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'Loaded anyway (--allow-partial-load)' in proc.stderr
    assert 'coco/AP' in json.loads((tmp_path / 'metrics.json').read_text())


def test_submit_tool(repo_root, synthetic_coco, swahr_checkpoint, tmp_path,
                     monkeypatch, capsys):
    submit = load_script(repo_root, 'tools/submit.py')
    monkeypatch.chdir(repo_root)
    argv = [
        'submit.py', DIRECTPOSE_TINY, swahr_checkpoint, '--split', 'eval',
        '--out-dir',
        str(tmp_path), '--work-dir',
        str(tmp_path / 'work'), '--cfg-options',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        f'test_dataloader.dataset.data_root={synthetic_coco}',
        f'test_evaluator.ann_file={synthetic_coco}/annotations/val.json'
    ]
    monkeypatch.setattr(sys, 'argv', argv)
    with pytest.raises(CheckpointMismatchError) as info:
        submit.main()
    assert_names_the_mismatch(str(info.value), swahr_checkpoint)
    assert not list(tmp_path.glob('*.json'))

    monkeypatch.setattr(sys, 'argv', argv + ['--allow-partial-load'])
    with pytest.warns(UserWarning, match='Loaded anyway'):
        submit.main()
    assert 'coco/AP:' in capsys.readouterr().out


def test_demo(repo_root, synthetic_coco, swahr_checkpoint, tmp_path,
              monkeypatch, capsys):
    demo = load_script(repo_root, 'demo/image_demo.py')
    image = sorted(glob.glob(osp.join(synthetic_coco, 'val', '*')))[0]
    out_file = tmp_path / 'drawn.jpg'
    monkeypatch.chdir(repo_root)
    argv = [
        'image_demo.py', DIRECTPOSE_TINY, swahr_checkpoint, image,
        '--out-file',
        str(out_file), '--device', 'cpu'
    ]
    monkeypatch.setattr(sys, 'argv', argv)
    with pytest.raises(SystemExit) as info:
        demo.main()
    assert_names_the_mismatch(str(info.value), swahr_checkpoint)
    assert not out_file.exists()

    monkeypatch.setattr(sys, 'argv', argv + ['--allow-partial-load'])
    with pytest.warns(UserWarning, match='Loaded anyway'):
        demo.main()
    assert out_file.is_file()
