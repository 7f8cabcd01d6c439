"""Configs stored in exported files as JSON: tuples and lists come back as
they were, reading runs no code, and what JSON cannot hold is named."""
import os.path as osp

import numpy as np
import pytest
from conftest import TINY_SWAHR
from mmengine.config import Config

from directpose.deploy import ExportError
from directpose.deploy.config_json import config_from_json, config_to_json


def test_round_trip_keeps_tuples_and_lists(repo_root):
    cfg = Config.fromfile(osp.join(repo_root, TINY_SWAHR))
    back = config_from_json(config_to_json(cfg))
    assert back.to_dict() == cfg.to_dict()
    resize = back.test_dataloader.dataset.pipeline[1]
    assert resize.type == 'BottomupPyramidResize'
    assert type(resize.input_size) is tuple  # mmpose compares it to tuples
    assert type(back.model.head.decoder.decode_keypoint_order) is list


def test_reading_runs_no_code():
    text = config_to_json(
        Config(dict(note="__import__('os').system('touch /tmp/x')")))
    assert config_from_json(text).note.startswith('__import__')


def test_values_json_cannot_hold_are_named():
    with pytest.raises(
            ExportError,
            match=r'config.model.mean is a ndarray: the export '
            'stores the config as JSON'):
        config_to_json(Config(dict(model=dict(mean=np.zeros(3)))))
