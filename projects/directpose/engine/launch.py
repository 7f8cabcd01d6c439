"""Multi-process launch on machines without a GPU.

mmengine's ``init_dist`` calls ``torch.cuda.set_device`` and its default DDP
wrapper passes ``device_ids=[local_rank]``; both fail for CPU processes. On a
CPU-only machine we therefore start the gloo process group ourselves (the
Runner then skips its own set-up) and wrap the model with
``device_ids=None``. With a GPU, nothing is changed.
"""
import logging
import os
import subprocess
import sys
from datetime import timedelta

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def _export_slurm_env() -> None:
    """Translate slurm's variables into torch.distributed's env:// ones."""
    os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
    os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
    os.environ.setdefault('LOCAL_RANK', os.environ.get('SLURM_LOCALID', '0'))
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        nodes = os.environ['SLURM_NODELIST']
        os.environ['MASTER_ADDR'] = subprocess.getoutput(
            f'scontrol show hostname {nodes} | head -n1')


def setup_cpu_distributed(cfg: Config) -> bool:
    """Prepare ``cfg`` (and the process group) for CPU-only multi-process
    training or testing.

    Args:
        cfg (Config): A config whose ``launcher`` is set.

    Returns:
        bool: True if the gloo process group was set up here.
    """
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if launcher not in ('pytorch', 'slurm'):
        raise ValueError(f'launcher={launcher!r} is not supported without a '
                         "GPU: use 'pytorch' (torchrun) or 'slurm'")
    if launcher == 'slurm':
        _export_slurm_env()
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(
            backend='gloo',
            timeout=timedelta(seconds=dist_cfg.get('timeout', 1800)))
    return True


def exit_if_distributed() -> None:
    """End a distributed tool's process once its work is done: destroy the
    process group, flush the logs and standard streams, and exit with code
    0 at once. Without a process group, do nothing (return).

    A multi-process CPU run sometimes aborted after all its work, at the
    interpreter's exit ("terminate called without an active exception",
    Python's fault handler showing no Python frame: a C++ object of torch
    destroyed with a thread still joinable), about one run in ten of
    ``tools/dist_train.sh`` in the tests beside other load, even with the
    process group destroyed first. ``os._exit`` skips the C++ destructors
    that abort; everything the run wrote is closed by then (checkpoints are
    written atomically), and dataloader workers exit when their parent does.
    """
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return
    torch_dist.destroy_process_group()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
