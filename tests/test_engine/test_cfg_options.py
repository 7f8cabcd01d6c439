"""--cfg-options: an item without '=' is an argparse error naming it, and a
value of the wrong type a ConfigError naming it, in every tool that takes
the option (not a traceback or a late TypeError)."""
import argparse
import os.path as osp
import sys

import pytest
from conftest import load_script
from mmengine.config import Config

from directpose.engine import (ConfigError, add_cfg_options_argument,
                               check_cfg_options, load_config)

CONFIG = Config(
    dict(
        train_cfg=dict(max_epochs=30, val_interval=1),
        model=dict(head=dict(num_keypoints=17), flip=True),
        pipeline=[dict(type='Resize', scale=[256, 256])],
        lr=0.01,
        name='tiny',
        seed=None))


@pytest.mark.parametrize('options', [
    {'train_cfg.max_epochs': 12, 'lr': 1, 'name': 3, 'seed': 0},
    {'model.flip': False, 'pipeline.0.scale': [128, 128]},
    {'model.head': None, 'model.new_key': 'x', 'pipeline.3.type': 'A'},
    {'model.head': dict(num_keypoints=5)},  # merges, as the API does
])
def test_values_of_the_right_type_pass(options):
    check_cfg_options(CONFIG, options)


@pytest.mark.parametrize('options, message', [
    ({'train_cfg.max_epochs': 'abc'},
     "train_cfg.max_epochs='abc': the config has 30 there (int); expected a "
     'number, got str'),
    ({'model.head': 3}, "model.head=3: the config has {'num_keypoints': 17}"),
    ({'model.flip': 1}, 'expected true or false'),
    ({'pipeline.0.scale': 128}, 'expected a list'),
    ({'lr.value': 1}, "lr.value=1: lr is 0.01 (float), which has no entry "
     "'value'"),
])
def test_values_of_another_type_are_named(options, message):
    with pytest.raises(ConfigError) as info:
        check_cfg_options(CONFIG, options)
    assert message in str(info.value)


def test_every_wrong_item_is_listed():
    with pytest.raises(ConfigError, match=r'2 item\(s\)'):
        check_cfg_options(CONFIG, {'lr': 'x', 'model.flip': 'y', 'seed': 1})


@pytest.mark.parametrize('item', ['max_epochs', '=3'])
def test_an_item_that_is_not_key_value_is_an_argparse_error(item, capsys):
    parser = argparse.ArgumentParser()
    add_cfg_options_argument(parser)
    with pytest.raises(SystemExit) as info:
        parser.parse_args(['--cfg-options', 'lr=1', item])
    assert info.value.code == 2
    assert f"argument --cfg-options: '{item}' is not KEY=VALUE" in \
        capsys.readouterr().err


TOOLS = {
    'tools/train.py': [],
    'tools/test.py': ['ckpt.pth'],
    'tools/submit.py': ['ckpt.pth'],
    'tools/benchmark.py': [],
}
TINY = ('configs/directpose/'
        'directpose_r18-tiny_fpn_1xb8-40e_synthetic-coco-256x256.py')


def run_tool(repo_root, tool, monkeypatch, *options):
    module = load_script(repo_root, tool)
    monkeypatch.chdir(repo_root)
    monkeypatch.setattr(
        sys, 'argv', [tool, TINY, *TOOLS[tool], '--cfg-options', *options])
    module.main()


@pytest.mark.parametrize('tool', sorted(TOOLS))
def test_tools_name_the_item(tool, repo_root, monkeypatch, capsys):
    with pytest.raises(SystemExit):
        run_tool(repo_root, tool, monkeypatch, 'train_cfg.max_epochs')
    assert "'train_cfg.max_epochs' is not KEY=VALUE" in capsys.readouterr().err
    with pytest.raises(ConfigError, match='train_cfg.max_epochs=.abc.'):
        run_tool(repo_root, tool, monkeypatch, 'train_cfg.max_epochs=abc')


def test_load_config_checks_before_merging(repo_root):
    with pytest.raises(ConfigError, match='model.head=3'):
        load_config(osp.join(repo_root, TINY), {'model.head': 3})
