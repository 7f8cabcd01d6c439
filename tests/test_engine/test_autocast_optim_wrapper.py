"""AutocastOptimWrapper: autocast forward passes on CPU, plain steps."""
import pytest
import torch
import torch.nn as nn
from mmengine.optim import build_optim_wrapper

from directpose.engine import AutocastOptimWrapper


def build(model, **kwargs):
    return build_optim_wrapper(
        model,
        dict(
            type='AutocastOptimWrapper',
            optimizer=dict(type='SGD', lr=0.1),
            **kwargs))


def test_forward_runs_in_the_autocast_dtype_and_the_step_updates():
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    wrapper = build(model)
    assert isinstance(wrapper, AutocastOptimWrapper)
    before = model.weight.detach().clone()
    with wrapper.optim_context(model):
        out = model(torch.randn(3, 4))
    assert out.dtype == torch.bfloat16  # CPU autocast's default here
    assert model.weight.dtype == torch.float32  # the weights stay fp32
    wrapper.update_params(out.float().pow(2).mean())
    assert not torch.equal(model.weight, before)
    assert model.weight.grad is None  # zeroed after the step


def test_outside_its_context_nothing_is_cast():
    model = nn.Linear(4, 2)
    build(model, dtype='float16')
    assert model(torch.randn(3, 4)).dtype == torch.float32


def test_float16_and_bad_dtypes():
    model = nn.Linear(4, 2)
    wrapper = build(model, dtype='float16')
    with wrapper.optim_context(model):
        assert model(torch.randn(1, 4)).dtype == torch.float16
    with pytest.raises(TypeError, match='dtype'):
        build(model, dtype='float8')
