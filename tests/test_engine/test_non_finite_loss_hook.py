"""A non-finite loss term stops training before the optimizer step, with a
message naming the term; with several processes every rank stops."""
import os
import socket
from types import SimpleNamespace

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmengine.model import BaseModel
from mmengine.runner import Runner

from directpose.engine import NonFiniteLossHook


class _ToyModel(BaseModel):
    """Two loss terms; ``loss_bad`` turns NaN (or inf) at iteration
    ``bad_at`` (counted from 0)."""

    def __init__(self, bad_at, bad_value=float('nan')):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)
        self.bad_at = bad_at
        self.bad_value = bad_value
        self.calls = 0

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(torch.stack(inputs)).sum()
        self.weight_at_last_forward = self.linear.weight.detach().clone()
        self.calls += 1
        bad = out * 0 + (self.bad_value if self.calls > self.bad_at else 1)
        return dict(loss_good=(out - 10)**2, loss_bad=bad, acc=out * 0)


def _runner(tmp_path, model):
    data = [dict(inputs=torch.ones(2)) for _ in range(8)]
    return Runner(
        model=model,
        work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=data,
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='pseudo_collate'),
            batch_size=2,
            num_workers=0),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        custom_hooks=[NonFiniteLossHook()],
        default_hooks=dict(checkpoint=None, logger=None),
        default_scope='mmpose',  # the scope every other test runs in
        experiment_name=f'non_finite_{tmp_path.name}')


@pytest.mark.parametrize('bad_value', [float('nan'), float('inf')])
def test_training_stops_before_the_step_and_names_the_term(
        tmp_path, bad_value):
    model = _ToyModel(bad_at=5, bad_value=bad_value)
    with pytest.raises(FloatingPointError) as info:
        _runner(tmp_path, model).train()
    message = str(info.value)
    assert f'loss_bad={bad_value}' in message
    assert 'loss_good' not in message and 'acc' not in message
    # the 6th iteration is the 2nd of epoch 2 (4 iterations an epoch)
    assert 'epoch 2, iteration 6' in message
    assert model.calls == 6
    # no optimizer step after the bad forward pass
    assert torch.equal(model.linear.weight, model.weight_at_last_forward)


def test_finite_losses_train_normally(tmp_path):
    model = _ToyModel(bad_at=10**6)
    before = model.linear.weight.clone()
    _runner(tmp_path, model).train()
    assert model.calls == 8
    assert not torch.equal(model.linear.weight, before)
    # the hook gives back the class's parse_losses after training
    assert 'parse_losses' not in vars(model)


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _check_on_rank(rank, port, results):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=2)
    hook = NonFiniteLossHook()
    hook._img_paths = [f'img_of_rank_{rank}.jpg']
    runner = SimpleNamespace(epoch=0, iter=41)
    bad = torch.tensor(float('nan') if rank == 1 else 1.0)
    log_vars = dict(loss=bad + 1, loss_kpt=bad, loss_cls=torch.tensor(2.))
    try:
        hook._check(runner, log_vars)
        results[rank] = 'no error'
    except FloatingPointError as e:
        results[rank] = str(e)
    finally:
        dist.destroy_process_group()


def test_every_rank_stops_when_one_rank_sees_a_nan():
    port = _free_port()
    with mp.Manager() as manager:
        results = manager.dict()
        mp.start_processes(
            _check_on_rank,
            args=(port, results),
            nprocs=2,
            start_method='fork')
        results = dict(results)
    for rank in (0, 1):
        assert 'iteration 42' in results[rank]
        assert 'rank 1: loss_kpt=nan' in results[rank]
        assert 'img_of_rank_1.jpg' in results[rank]
        assert 'rank 0' not in results[rank]
