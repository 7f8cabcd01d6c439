"""``init_model`` that also takes model-zoo names and URLs, and drawing of
bottom-up predictions with mmpose's ``PoseLocalVisualizer``."""
from typing import Optional, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.runner.checkpoint import _load_checkpoint_to_model
from mmpose.apis import init_model as mmpose_init_model
from mmpose.registry import VISUALIZERS
from mmpose.structures import PoseDataSample

from ..engine import check_checkpoint_fits
from .model_zoo import resolve_checkpoint, resolve_config


def init_model(config: Union[str, Config],
               checkpoint: Optional[str] = None,
               device: Optional[str] = None,
               cfg_options: Optional[dict] = None,
               cache_dir: Optional[str] = None,
               index_file: Optional[str] = None,
               allow_partial_load: bool = False) -> nn.Module:
    """:func:`mmpose.apis.init_model` with model-zoo names and URLs.

    Args:
        config (str | Config): A config file, a model-zoo name or a Config.
        checkpoint (str, optional): A checkpoint file, a URL (http, https,
            file) or a model-zoo name. URLs and names are downloaded into the
            checkpoint cache first, then loaded like a local file, i.e. with
            ``torch.load(weights_only=True)``.
        device (str, optional): Defaults to 'cuda:0' if available, else
            'cpu'.
        cfg_options (dict, optional): Config overrides.
        cache_dir (str, optional): The checkpoint cache.
        index_file (str, optional): The ``model-index.yml`` to resolve names
            with.
        allow_partial_load (bool): Load a checkpoint that does not fit the
            model (see :func:`~directpose.engine.check_checkpoint_fits`)
            with a warning instead of raising.

    Returns:
        nn.Module: The model in eval mode, with ``dataset_meta`` and ``cfg``.

    Raises:
        CheckpointMismatchError: The checkpoint does not fit the model.
    """
    if isinstance(config, str):
        config = resolve_config(config, index_file)
    if checkpoint is not None:
        checkpoint = resolve_checkpoint(checkpoint, cache_dir, index_file)
    if device is None:
        device = 'cuda:0' if torch.cuda.is_available() else 'cpu'
    model = mmpose_init_model(config, None, 'cpu', cfg_options)
    if checkpoint is not None:
        # loaded here rather than by mmpose, which only warns on a mismatch
        loaded = check_checkpoint_fits(model, checkpoint, allow_partial_load)
        _load_checkpoint_to_model(model, loaded)
        # as mmpose: a 1.x checkpoint's dataset_meta wins over the config's
        model.dataset_meta = (loaded.get('meta') or {}).get(
            'dataset_meta', model.dataset_meta)
    return model.to(device)


def draw_predictions(model: nn.Module,
                     image: np.ndarray,
                     data_sample: PoseDataSample,
                     kpt_thr: float = 0.3,
                     radius: int = 3,
                     thickness: int = 1,
                     draw_bbox: bool = False,
                     show_scores: bool = True) -> np.ndarray:
    """Draw a sample's predicted skeletons (and person scores) on an image.

    Args:
        model (nn.Module): The model, for its ``dataset_meta`` (keypoint
            colours, skeleton) and its config's visualizer settings.
        image (np.ndarray): The image, RGB, (H, W, 3).
        data_sample (PoseDataSample): ``pred_instances`` with ``keypoints``
            (N, K, 2) and ``keypoint_scores`` (N, K), in image pixels, and
            optionally ``bbox_scores`` (N, ), the person scores.
        kpt_thr (float): Keypoints (and links) scored below it are not drawn.
        radius (int): Keypoint radius.
        thickness (int): Link width.
        draw_bbox (bool): Also draw the predicted boxes, if any.
        show_scores (bool): Write each drawn person's score next to it.

    Returns:
        np.ndarray: The drawn image, RGB.
    """
    vis_cfg = dict(model.cfg.get('visualizer', {}))
    vis_cfg.update(
        type=vis_cfg.get('type', 'PoseLocalVisualizer'),
        name='directpose_predictions',
        # mmpose's opencv backend calls int() on a 1-element radius array,
        # an error under numpy 2; matplotlib's draws the same elements
        backend='matplotlib',
        vis_backends=None,
        save_dir=None,
        radius=radius,
        line_width=thickness)
    if 'keypoints_visible' not in data_sample.pred_instances:
        # the visualizer's per-keypoint visibility, as mmpose's estimators
        # set it
        data_sample = data_sample.clone()
        data_sample.pred_instances.keypoints_visible = \
            data_sample.pred_instances.keypoint_scores
    visualizer = VISUALIZERS.build(vis_cfg)
    visualizer.set_dataset_meta(model.dataset_meta)
    drawn = visualizer.add_datasample(
        'predictions',
        image,
        data_sample,
        draw_gt=False,
        draw_bbox=draw_bbox,
        kpt_thr=kpt_thr)
    instances = data_sample.pred_instances
    if not show_scores or len(instances) == 0:
        return drawn
    keypoints = np.asarray(instances.keypoints)
    kpt_scores = np.asarray(instances.keypoint_scores)
    scores = np.asarray(instances.bbox_scores if 'bbox_scores' in
                        instances else kpt_scores.mean(axis=1)).reshape(-1)
    texts, positions = [], []
    for kpts, kpt_score, score in zip(keypoints, kpt_scores, scores):
        shown = kpts[kpt_score >= kpt_thr]
        if len(shown):
            texts.append(f'{score:.2f}')
            positions.append(shown.min(axis=0))
    if texts:
        visualizer.set_image(drawn)
        visualizer.draw_texts(
            texts,
            np.array(positions),
            colors='white',
            font_sizes=max(8, int(0.02 * max(image.shape[:2]))),
            vertical_alignments='bottom',
            bboxes=dict(facecolor='black', alpha=0.6, pad=0.5))
        drawn = visualizer.get_image()
    return drawn
