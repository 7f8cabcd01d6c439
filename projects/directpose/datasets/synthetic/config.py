"""Pointing a config at a synthetic dataset."""
import os.path as osp

from mmengine.config import Config


def point_at_dataset(cfg: Config, root: str) -> None:
    """Make the dataloaders and evaluators of ``cfg`` read the synthetic
    dataset in ``root``, in place: each dataloader's ``data_root`` and each
    evaluator's ``ann_file`` (``<root>/annotations/val.json``).

    The dataloaders' ``ann_file`` and ``data_prefix`` stay the config's, so
    they must already name the synthetic layout relative to the root
    (``annotations/{train,val}.json``, ``{train,val}/``), as
    ``configs/_base_/datasets/synthetic_coco.py`` does.
    """
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(loader) is not None:
            cfg[loader].dataset.data_root = root
    for name in ('val_evaluator', 'test_evaluator'):
        evaluators = cfg.get(name)
        if evaluators is None:
            continue
        for evaluator in (evaluators
                          if isinstance(evaluators, list) else [evaluators]):
            if 'ann_file' in evaluator:
                evaluator.ann_file = osp.join(root, 'annotations', 'val.json')
