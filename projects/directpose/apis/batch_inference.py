"""Predicting many images in batches, with a PyTorch model (from
:func:`init_model`) or an :class:`OnnxPoseModel`: both take the batches of
the config's test pipeline in ``test_step``."""
from typing import Callable, Iterator, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmpose.structures import PoseDataSample

Image = Union[str, np.ndarray]


def test_pipeline(model) -> Compose:
    """The model's test pipeline (``model.cfg.test_dataloader``)."""
    return Compose(model.cfg.test_dataloader.dataset.pipeline)


def collate_images(model,
                   images: Sequence[Image],
                   pipeline: Optional[Callable] = None) -> dict:
    """Images through the test pipeline, collated into one batch, as
    :func:`mmpose.apis.inference_bottomup` prepares one image.

    Args:
        model: A PyTorch pose model or an :class:`OnnxPoseModel` (for its
            ``cfg`` and ``dataset_meta``).
        images (Sequence[str | np.ndarray]): Image files, or images as BGR
            arrays (H, W, 3).
        pipeline (Callable, optional): The test pipeline, if built already.

    Returns:
        dict: ``inputs`` and ``data_samples``, for ``model.test_step``.
    """
    pipeline = pipeline or test_pipeline(model)
    samples = []
    for image in images:
        info = dict(img_path=image) if isinstance(image, str) else dict(
            img=image)
        info.update(model.dataset_meta)
        samples.append(pipeline(info))
    return pseudo_collate(samples)


def iter_inference_batches(
        model,
        images: Sequence[Image],
        batch_size: int = 8) -> Iterator[List[PoseDataSample]]:
    """Predict images ``batch_size`` at a time; yields the predictions of
    each batch (one ``PoseDataSample`` per image, in order), e.g. for a
    progress bar.

    Args:
        model: A PyTorch pose model or an :class:`OnnxPoseModel`.
        images (Sequence[str | np.ndarray]): Image files or BGR arrays.
        batch_size (int): Images per batch. Defaults to 8.
    """
    if batch_size < 1:
        raise ValueError(f'batch_size must be 1 or more, got {batch_size}')
    pipeline = test_pipeline(model)
    for start in range(0, len(images), batch_size):
        batch = collate_images(model, images[start:start + batch_size],
                               pipeline)
        with torch.no_grad():
            yield model.test_step(batch)


def inference_images(model,
                     images: Sequence[Image],
                     batch_size: int = 8) -> List[PoseDataSample]:
    """Predict a list of images in batches: what
    :func:`mmpose.apis.inference_bottomup` returns for each, in one list.

    Args:
        model: A PyTorch pose model (:func:`init_model`) or an
            :class:`OnnxPoseModel`.
        images (Sequence[str | np.ndarray]): Image files or BGR arrays
            (H, W, 3).
        batch_size (int): Images per batch. Defaults to 8.

    Returns:
        list[PoseDataSample]: One per image, with ``pred_instances`` in the
        image's pixels.
    """
    return [
        sample for batch in iter_inference_batches(model, images, batch_size)
        for sample in batch
    ]
