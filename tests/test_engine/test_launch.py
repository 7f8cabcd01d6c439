"""close_distributed: the tools' end-of-work teardown of the process group."""
import torch
import torch.distributed as torch_dist

from directpose.engine import close_distributed


def test_close_distributed_destroys_the_group_and_is_idempotent(tmp_path):
    torch_dist.init_process_group(
        'gloo', init_method=f'file://{tmp_path}/store', rank=0, world_size=1)
    try:
        value = torch.ones(2)
        torch_dist.all_reduce(value)  # the group works before
        close_distributed()
        assert not torch_dist.is_initialized()
        close_distributed()  # nothing set up: nothing to do
        # a new group can be set up in the same process afterwards
        torch_dist.init_process_group(
            'gloo',
            init_method=f'file://{tmp_path}/store2',
            rank=0,
            world_size=1)
        assert torch_dist.get_world_size() == 1
    finally:
        if torch_dist.is_initialized():
            torch_dist.destroy_process_group()
