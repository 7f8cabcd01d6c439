"""Stage timing of a test step, and the summaries of timed runs."""
import time

import pytest
import torch
import torch.nn as nn

from directpose.benchmark import StageTimer, summarize


class _Head(nn.Module):

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x):
        return self.conv(x)

    def predict(self, feats):
        out = self.forward(feats)
        # post-processing outside any module, much longer than the 3x3 conv
        # of 4 channels even on a loaded machine
        time.sleep(0.05)
        return out.sum()


class _Estimator(nn.Module):

    def __init__(self):
        super().__init__()
        self.data_preprocessor = nn.Identity()
        self.backbone = nn.Sequential(*[nn.Conv2d(4, 4, 3, padding=1)] * 8)
        self.head = _Head()

    def test_step(self, data):
        x = self.data_preprocessor(data)
        self.head.predict(self.backbone(x))

        class _Sample:
            pred_instances = [1, 2]

        return [_Sample()]


def test_stage_timer_splits_network_and_post_processing():
    model = _Estimator()
    with StageTimer(model) as timer:
        stages = timer.run(torch.rand(1, 4, 64, 64))
    assert stages['instances'] == 2
    assert stages['neck'] == 0  # no neck
    assert stages['backbone'] > 0 and stages['head'] > 0
    assert stages['postprocess'] > stages['head']  # the python loop
    parts = sum(stages[k] for k in ('preprocess', 'backbone', 'neck', 'head',
                                    'postprocess'))
    assert parts == pytest.approx(stages['total'])
    # the hooks are gone afterwards
    assert not model.backbone._forward_hooks
    assert 'forward' not in vars(model.head)


def test_summarize():
    stats = summarize([4.0, 1.0, 3.0, 2.0])
    assert stats['median'] == 2.5 and stats['n'] == 4
    assert stats['iqr'] == pytest.approx(stats['p75'] - stats['p25'])
    with pytest.raises(ValueError):
        summarize([])
