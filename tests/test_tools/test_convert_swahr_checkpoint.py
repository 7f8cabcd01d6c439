"""tools/convert_swahr_checkpoint.py: an official SWAHR (HigherHRNet-based)
state dict, laid out as the official code saves it, into our SWAHR model."""
import os.path as osp
import subprocess
import sys
from collections import OrderedDict

import pytest
import torch
import torch.nn.functional as F
from conftest import load_script
from mmengine.config import Config
from mmpose.registry import MODELS

from directpose.engine import load_weights_only
from directpose.utils.swahr_checkpoint import (convert_swahr_state_dict,
                                               official_state_dict)

SWAHR_TINY = 'configs/swahr/swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py'  # noqa: E501
AE_TINY = 'configs/swahr/ae_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py'  # noqa: E501
SWAHR_W32 = 'configs/swahr/swahr_higherhrnet-w32_4xb20-300e_coco-512x512.py'


def build(repo_root, config):
    cfg = Config.fromfile(osp.join(repo_root, config))
    cfg.model.backbone.pop('init_cfg', None)
    return MODELS.build(cfg.model)


def bn(prefix, channels):
    return {
        f'{prefix}.weight': (channels, ),
        f'{prefix}.bias': (channels, ),
        f'{prefix}.running_mean': (channels, ),
        f'{prefix}.running_var': (channels, ),
        f'{prefix}.num_batches_tracked': (),
    }


def official_layout(model, num_keypoints=None, with_scale=True):
    """Key -> shape of the official PoseHigherResolutionNet for our model's
    sizes: HRNet keys as mmpose's (no prefix), then the official head."""
    head = model.head
    K = num_keypoints or head.num_keypoints
    C = head.final_layer.in_channels
    Ch = head.higher_final_layer.in_channels
    k = head.higher_layers[0][0].kernel_size[0]
    shapes = OrderedDict((key, tuple(value.shape))
                         for key, value in model.backbone.state_dict().items())
    shapes.update({
        'final_layers.0.weight': (2 * K, C, 1, 1),  # K heatmaps + K tags
        'final_layers.0.bias': (2 * K, ),
        'final_layers.1.weight': (K, Ch, 1, 1),
        'final_layers.1.bias': (K, ),
        'deconv_layers.0.0.0.weight': (C + 2 * K, Ch, k, k),
    })
    shapes.update(bn('deconv_layers.0.0.1', Ch))
    for i in range(1, len(head.higher_layers)):
        block = f'deconv_layers.0.{i}.0'
        shapes[f'{block}.conv1.weight'] = (Ch, Ch, 3, 3)
        shapes.update(bn(f'{block}.bn1', Ch))
        shapes[f'{block}.conv2.weight'] = (Ch, Ch, 3, 3)
        shapes.update(bn(f'{block}.bn2', Ch))
    if with_scale:
        for s, channels in enumerate((C, Ch)):
            layer = f'conv_scale_layers.{s}'
            shapes[f'{layer}.0.weight'] = (K, channels, 1, 1)
            shapes[f'{layer}.0.bias'] = (K, )
            shapes.update(bn(f'{layer}.1', K))
            shapes[f'{layer}.3.weight'] = (K, 1, 9, 9)
            shapes[f'{layer}.3.bias'] = (K, )
    return shapes


def random_state(shapes, seed=0):
    gen = torch.Generator().manual_seed(seed)
    state = OrderedDict()
    for key, shape in shapes.items():
        if key.endswith('num_batches_tracked'):
            state[key] = torch.tensor(1000)
        elif key.endswith('running_var'):
            state[key] = torch.rand(shape, generator=gen) + 0.5
        else:
            state[key] = torch.randn(shape, generator=gen)
    return state


@pytest.fixture(scope='module')
def swahr_tiny(repo_root):
    return build(repo_root, SWAHR_TINY)


def test_maps_every_tensor_and_folds_the_scale_bias(swahr_tiny):
    model = swahr_tiny
    official = random_state(official_layout(model))
    state, report = convert_swahr_state_dict(official, model.state_dict())
    assert report.unused == [] and report.missing == []
    assert report.converted == len(official) - 2  # two biases are folded
    assert report.folded == [
        'conv_scale_layers.0.0.bias', 'conv_scale_layers.1.0.bias'
    ]
    model.load_state_dict(state, strict=True)
    sd = model.state_dict()
    pairs = {
        'conv1.weight': 'backbone.conv1.weight',
        'stage4.0.fuse_layers.0.3.1.running_var':
        'backbone.stage4.0.fuse_layers.0.3.1.running_var',
        'final_layers.0.weight': 'head.final_layer.weight',
        'final_layers.1.bias': 'head.higher_final_layer.bias',
        'deconv_layers.0.0.0.weight': 'head.higher_layers.0.0.weight',
        'deconv_layers.0.0.1.running_mean':
        'head.higher_layers.0.1.running_mean',
        'deconv_layers.0.2.0.bn2.weight': 'head.higher_layers.2.bn2.weight',
        'conv_scale_layers.1.3.weight':
        'head.scale_branches.1.depthwise.weight',
    }
    for src, ours in pairs.items():
        assert torch.equal(sd[ours], official[src]), src


@pytest.mark.parametrize('stage', [0, 1])
def test_scale_branch_computes_the_official_scale_map(swahr_tiny, stage):
    """Official: conv1x1 (with bias) -> BN -> ReLU -> 9x9 depthwise."""
    model = swahr_tiny
    official = random_state(official_layout(model), seed=1)
    state, _ = convert_swahr_state_dict(official, model.state_dict())
    model.load_state_dict(state)
    branch = model.head.scale_branches[stage].eval()
    x = torch.randn(2, branch.reduce.conv.in_channels, 12, 12)
    p = f'conv_scale_layers.{stage}'
    y = F.conv2d(x, official[f'{p}.0.weight'], official[f'{p}.0.bias'])
    y = F.batch_norm(y, official[f'{p}.1.running_mean'],
                     official[f'{p}.1.running_var'], official[f'{p}.1.weight'],
                     official[f'{p}.1.bias'])
    y = F.conv2d(
        F.relu(y),
        official[f'{p}.3.weight'],
        official[f'{p}.3.bias'],
        padding=4,
        groups=y.shape[1])
    with torch.no_grad():
        torch.testing.assert_close(branch(x), y, rtol=1e-4, atol=1e-4)


def test_checkpoint_wrappers_and_prefix():
    weights = OrderedDict(a=torch.zeros(1), b=torch.ones(2))
    plain = official_state_dict(weights)
    parallel = official_state_dict({
        f'module.{k}': v
        for k, v in weights.items()
    })
    wrapped = official_state_dict({'state_dict': weights, 'epoch': 3})
    assert list(plain) == list(parallel) == list(wrapped) == ['a', 'b']
    with pytest.raises(TypeError, match='expected a tensor'):
        official_state_dict({'a': 'text'})


def test_wrong_sizes_are_named(swahr_tiny):
    official = random_state(official_layout(swahr_tiny, num_keypoints=14))
    with pytest.raises(
            ValueError,
            match='final_layers.0.weight: '
            r'\(28, 16, 1, 1\) -> head.final_layer.weight'):
        convert_swahr_state_dict(official, swahr_tiny.state_dict())


def test_unused_and_missing_are_reported(swahr_tiny, repo_root):
    # a HigherHRNet checkpoint (no scale layers) for the SWAHR model
    official = random_state(official_layout(swahr_tiny, with_scale=False))
    official['final_layers.2.weight'] = torch.zeros(1)  # no counterpart
    del official['bn1.num_batches_tracked']  # an old PyTorch checkpoint
    _, report = convert_swahr_state_dict(official, swahr_tiny.state_dict())
    assert report.unused == ['final_layers.2.weight']
    assert report.defaulted[0] == 'backbone.bn1.num_batches_tracked'
    assert report.missing and all(
        key.startswith('head.scale_branches.')
        for key in report.missing + report.defaulted[1:])
    # ... and for plain HigherHRNet it is complete
    ae = build(repo_root, AE_TINY)
    official = random_state(official_layout(ae, with_scale=False))
    _, report = convert_swahr_state_dict(official, ae.state_dict())
    assert report.missing == [] and report.unused == []


def test_layout_covers_the_w32_config(repo_root):
    model = build(repo_root, SWAHR_W32)
    shapes = official_layout(model)
    official = {k: torch.zeros(s) for k, s in shapes.items()}
    _, report = convert_swahr_state_dict(official, model.state_dict())
    assert report.missing == [] and report.unused == []
    assert report.converted == len(model.state_dict())


def run_tool(repo_root, *args):
    return subprocess.run(
        [sys.executable, 'tools/convert_swahr_checkpoint.py', *args],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=300)


def test_tool_converts_a_saved_official_checkpoint(swahr_tiny, repo_root,
                                                   tmp_path):
    official = random_state(official_layout(swahr_tiny), seed=2)
    src = tmp_path / 'pose_higher_hrnet_tiny.pth'
    torch.save(
        OrderedDict((f'module.{k}', v) for k, v in official.items()), src)
    dst = tmp_path / 'converted.pth'
    proc = run_tool(repo_root, str(src), str(dst), '--config', SWAHR_TINY)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'folded into BN running_mean (2)' in proc.stdout
    state = load_weights_only(str(dst))['state_dict']
    assert torch.equal(state['head.final_layer.weight'],
                       official['final_layers.0.weight'])
    swahr_tiny.load_state_dict(state, strict=True)


def test_tool_refuses_an_incomplete_conversion(swahr_tiny, repo_root, tmp_path,
                                               monkeypatch, capsys):
    """In this process (the test above runs the tool as a program): the
    same main() and arguments, without a second start-up."""
    official = random_state(official_layout(swahr_tiny, with_scale=False))
    src = tmp_path / 'higherhrnet.pth'
    torch.save(official, src)
    dst = tmp_path / 'converted.pth'
    tool = load_script(repo_root, 'tools/convert_swahr_checkpoint.py')
    monkeypatch.chdir(repo_root)
    monkeypatch.setattr(sys, 'argv', [
        'tools/convert_swahr_checkpoint.py',
        str(src),
        str(dst), '--config', SWAHR_TINY
    ])
    with pytest.raises(SystemExit) as info:
        tool.main()
    assert 'nothing written' in str(info.value.code)
    assert 'missing (left as built)' in capsys.readouterr().out
    assert not dst.exists()
