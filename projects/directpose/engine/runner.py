"""What tools/train.py, tools/test.py and tools/compare.py share: reading a
config with command-line overrides and building mmengine's Runner."""
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.runner import Runner

from .cfg_options import check_cfg_options
from .config_checks import check_config
from .hooks import CpuThreadsHook
from .launch import setup_cpu_distributed


def load_config(path: str,
                cfg_options: Optional[dict] = None,
                work_dir: Optional[str] = None,
                launcher: str = 'none') -> Config:
    """Read a config file and apply the options every tool shares.

    Args:
        path (str): The config file.
        cfg_options (dict, optional): ``--cfg-options`` overrides.
        work_dir (str, optional): Overrides the config's ``work_dir``; when
            neither is given, ``work_dirs/<config name>`` is used.
        launcher (str): 'none', 'pytorch', 'slurm' or 'mpi'.

    Returns:
        Config: The merged config.

    Raises:
        ConfigError: An override does not have the type of the value it
            replaces (see :func:`~directpose.engine.check_cfg_options`).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'config file {path} does not exist')
    cfg = Config.fromfile(path)
    cfg.launcher = launcher
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        name = osp.splitext(osp.basename(path))[0]
        cfg.work_dir = osp.join('work_dirs', name)
    if cfg_options:
        check_cfg_options(cfg, cfg_options)
        cfg.merge_from_dict(cfg_options)
    return cfg


def _has_threads_hook(cfg: Config) -> bool:
    """Whether ``cfg.custom_hooks`` has a CpuThreadsHook (config or
    instance)."""
    for hook in cfg.get('custom_hooks') or []:
        kind = hook.get('type') if isinstance(hook, dict) else hook
        if kind in ('CpuThreadsHook', CpuThreadsHook) or isinstance(
                kind, CpuThreadsHook):
            return True
    return False


def build_runner(cfg: Config, phase: Optional[str] = None) -> Runner:
    """Check the config, then build the Runner, setting up gloo first on
    machines without a GPU. There the runner also gets a
    :class:`~directpose.engine.hooks.CpuThreadsHook` (unless the config has
    one): its intra-op threads follow the cores other processes leave free.

    Args:
        cfg (Config): The merged config.
        phase (str, optional): 'train' or 'test': which data must exist
            (see :func:`~directpose.engine.config_checks.check_config`).
            None checks no data paths.

    Raises:
        ConfigError: The config names unknown modules or arguments, the
            dataset and the model disagree on the keypoints, or data is
            missing; the message says what to fix.
    """
    check_config(cfg, phase)
    setup_cpu_distributed(cfg)
    threads_hook = None
    if not torch.cuda.is_available() and not _has_threads_hook(cfg):
        threads_hook = CpuThreadsHook()  # from now: the load of the set-up
    runner = Runner.from_cfg(cfg)
    if threads_hook is not None:
        runner.register_hook(threads_hook)
    return runner
