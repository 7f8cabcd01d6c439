"""Latency, throughput, peak memory and cost of a pose model's inference.

Everything is measured on the *inference model*: built from the config,
loaded from the checkpoint, in eval mode and switched to deploy mode
(``model.switch_to_deploy()``, which e.g. drops DirectPose's training-only
heatmap branch), run by a *backend*: 'pytorch' (eager) or 'onnxruntime'
(the model exported by :mod:`directpose.deploy`, run by
:class:`directpose.apis.OnnxPoseModel`). One timed run is the model's
``test_step`` on a collated batch that the config's test pipeline made:
normalisation, network, decoding and rescaling to the image; reading and
resizing the image are not timed.
"""
import copy
import ctypes
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmpose.apis import init_model
from mmpose.registry import DATASETS

from directpose.apis import OnnxPoseModel, collate_images, test_pipeline
from directpose.datasets.synthetic import render_scene
from directpose.evaluation import recall_at_oks
from .onnx_timing import OnnxStageTimer
from .timing import StageTimer, summarize

#: the backends a model can be timed with
BACKENDS = ('pytorch', 'onnxruntime')


def resolve_device(device: str = 'auto') -> str:
    """'auto' becomes 'cuda' when a GPU is visible, else 'cpu'."""
    if device == 'auto':
        return 'cuda' if torch.cuda.is_available() else 'cpu'
    if device.startswith('cuda') and not torch.cuda.is_available():
        raise RuntimeError(f'device {device!r} asked for, but CUDA is not '
                           'available')
    return device


def describe_device(device: str) -> str:
    """E.g. 'cpu (2 threads)' or 'cuda: NVIDIA H100'; the threads are
    PyTorch's, which the ONNX Runtime sessions here use too."""
    if device.startswith('cuda'):
        return f'{device}: {torch.cuda.get_device_name(device)}'
    return f'cpu ({torch.get_num_threads()} threads)'


def onnx_model(cfg: Config,
               checkpoint: Optional[str] = None,
               device: str = 'cpu') -> OnnxPoseModel:
    """The model of ``cfg`` exported to ONNX (in memory, batch size free)
    and loaded into ONNX Runtime with as many intra-op threads as PyTorch
    has.

    Raises:
        ExportError: The model has no exporter (e.g. its head type).
    """
    from directpose.deploy import build_exporter, metadata
    exporter = build_exporter(copy.deepcopy(cfg), checkpoint)
    model = exporter.to_onnx(dynamic_batch=True, metadata=metadata(exporter))
    return OnnxPoseModel(
        model.SerializeToString(),
        device=device,
        num_threads=torch.get_num_threads())


class _PeakMemory:
    """Peak memory added while the ``with`` block runs, in MiB (``mib``).

    On CUDA: ``torch.cuda.max_memory_allocated`` above what was allocated
    before. On CPU: the process's peak resident set size (``VmHWM``,
    reset through ``/proc/self/clear_refs``) above its size before; None
    where the peak cannot be reset (not Linux).
    """

    def __init__(self, device: str):
        self.device = device
        self.mib: Optional[float] = None

    @staticmethod
    def _status(field: str) -> int:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1]) * 1024
        raise KeyError(field)

    def __enter__(self) -> '_PeakMemory':
        if self.device.startswith('cuda'):
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self._base = torch.cuda.memory_allocated(self.device)
            return self
        try:
            # hand freed heap memory back first, so that the peak counts
            # what inference needs, not what earlier work left resident
            ctypes.CDLL('libc.so.6').malloc_trim(0)
            with open('/proc/self/clear_refs', 'w') as f:
                f.write('5')  # resets VmHWM to the current RSS
            self._base = self._status('VmRSS')
        except OSError:
            self._base = None
        return self

    def __exit__(self, *exc) -> None:
        if self.device.startswith('cuda'):
            torch.cuda.synchronize(self.device)
            peak = torch.cuda.max_memory_allocated(self.device)
        elif self._base is None:
            return
        else:
            peak = self._status('VmHWM')
        self.mib = max(peak - self._base, 0) / 2**20


def _numpy(values) -> np.ndarray:
    """A prediction field (array or tensor) as a NumPy array."""
    if isinstance(values, torch.Tensor):
        return values.detach().cpu().numpy()
    return np.asarray(values)


def memory_kind(device: str) -> str:
    """What :class:`_PeakMemory` measures on ``device``, for tables."""
    if device.startswith('cuda'):
        return 'CUDA max_memory_allocated during inference'
    return 'peak RSS increase during inference (CPU)'


class SpeedMeter:
    """Times the inference model of one config with one backend.

    Args:
        cfg (Config): The method's (merged) config.
        checkpoint (str, optional): Weights; random init if None (timings
            of the network are right, post-processing may not be).
        device (str): 'auto', 'cpu' or 'cuda[:i]'.
        backend (str): One of :data:`BACKENDS`: 'pytorch' (eager) or
            'onnxruntime' (the ONNX export, with as many threads as
            PyTorch).

    Raises:
        ExportError: 'onnxruntime' for a model that has no exporter.
    """

    def __init__(self,
                 cfg: Config,
                 checkpoint: Optional[str] = None,
                 device: str = 'auto',
                 backend: str = 'pytorch'):
        if backend not in BACKENDS:
            raise ValueError(f'backend {backend!r}: expected one of '
                             f'{BACKENDS}')
        self.device = resolve_device(device)
        self.backend = backend
        if backend == 'pytorch':
            self.model = init_model(
                copy.deepcopy(cfg), checkpoint, device=self.device)
            self.model.switch_to_deploy()
        else:
            self.model = onnx_model(cfg, checkpoint, self.device)
        # the model's config: for ONNX, its pipeline resizes to the graph
        self.cfg = copy.deepcopy(self.model.cfg)
        self.pipeline = test_pipeline(self.model)
        self._sync = backend == 'pytorch' and self.device.startswith('cuda')

    # ------------------------------------------------------------ batches
    def batch_from_images(self, images: Sequence[np.ndarray]) -> dict:
        """Collate BGR images, each through the test pipeline."""
        return collate_images(self.model, images, self.pipeline)

    def batch_at_input_size(self, images: Sequence[np.ndarray]) -> dict:
        """Collate BGR images that already have the network's input size.

        The test pipeline's loading and resizing are skipped: only its
        packing transform (the last ``Pack*`` one) runs, on the metainfo of
        an identity resize (``input_size`` = image size, ``input_center``
        and ``input_scale`` of the whole image), so keypoints come back in
        the pixels of these images. For timing a model at a given input
        size whatever its config's resize does; the data preprocessor
        still normalises and pads (``pad_size_divisor``).
        """
        pipeline = self.cfg.test_dataloader.dataset.pipeline
        packers = [t for t in pipeline if t['type'].startswith('Pack')]
        if not packers:
            raise ValueError('the test pipeline has no Pack* transform')
        pack = Compose([copy.deepcopy(packers[-1])])
        samples = []
        for i, image in enumerate(images):
            h, w = image.shape[:2]
            info = dict(
                img=image,
                img_id=i,
                id=i,
                img_path=None,
                ori_shape=(h, w),
                img_shape=(h, w),
                input_size=(w, h),
                input_center=np.array([w / 2, h / 2], dtype=np.float32),
                input_scale=np.array([w, h], dtype=np.float32))
            info.update(copy.deepcopy(self.model.dataset_meta))
            samples.append(pack(info))
        return pseudo_collate(samples)

    def batches_from_test_set(self, num: int) -> List[dict]:
        """Batches of one of the first ``num`` test-set images."""
        dataset = DATASETS.build(self.cfg.test_dataloader.dataset)
        return [
            pseudo_collate([dataset[i]])
            for i in range(min(num, len(dataset)))
        ]

    def scene(self,
              num_persons: int,
              image_size: int = 256,
              preset: str = 'standard',
              batch_size: int = 1,
              return_annotations: bool = False) -> Union[dict, tuple]:
        """A batch of synthetic scenes with ``num_persons`` each (scene
        ``i`` drawn with seed ``[num_persons, i]``); with
        ``return_annotations``, ``(batch, annotations)``: also the COCO
        annotations of each scene's persons, a list per scene (see
        :func:`~directpose.datasets.synthetic.render_scene`)."""
        scenes = [
            render_scene(
                num_persons, image_size, seed=[num_persons, i], preset=preset)
            for i in range(batch_size)
        ]
        batch = self.batch_from_images([image for image, _ in scenes])
        if return_annotations:
            return batch, [annotations for _, annotations in scenes]
        return batch

    def recall(self,
               batch: dict,
               annotations: Sequence[Sequence[dict]],
               oks_thr: float = 0.5) -> float:
        """The fraction of the annotated persons of ``batch`` that
        ``test_step`` finds, an image at a time: matched with OKS >=
        ``oks_thr`` (the model's ``sigmas``), predictions taken greedily by
        score (``bbox_scores``, or the mean keypoint score where the model
        has none; see :func:`directpose.evaluation.recall_at_oks`).

        Args:
            batch (dict): A batch of :meth:`scene` (or of images).
            annotations (Sequence[Sequence[dict]]): The COCO annotations of
                each image's persons.
            oks_thr (float): The OKS a match needs.

        Returns:
            float: Matched over annotated persons, all images together; NaN
            without annotated person or where the model's keypoints are
            not those of the annotations (e.g. CrowdPose's 14).
        """
        sigmas = self.model.dataset_meta['sigmas']
        total = sum(len(anns) for anns in annotations)
        num_keypoints = {
            len(ann['keypoints']) // 3
            for anns in annotations
            for ann in anns
        }
        if total == 0 or num_keypoints != {len(sigmas)}:
            return float('nan')
        matched = 0.0
        for i, anns in enumerate(annotations):
            one = dict(
                inputs=batch['inputs'][i:i + 1],
                data_samples=batch['data_samples'][i:i + 1])
            with torch.no_grad():
                pred = self.model.test_step(one)[0].pred_instances
            keypoints = _numpy(pred.keypoints)
            scores = _numpy(pred.bbox_scores) if 'bbox_scores' in pred \
                else _numpy(pred.keypoint_scores).mean(axis=-1)
            if anns:
                matched += len(anns) * recall_at_oks(
                    anns, keypoints, scores.reshape(-1), sigmas, oks_thr)
        return matched / total

    # ------------------------------------------------------------- timing
    def time(self,
             batches: Sequence[dict],
             warmup: int = 3,
             runs: int = 20,
             tick: Optional[Callable[[], None]] = None) -> Dict[str, dict]:
        """Time ``runs`` test steps cycling through ``batches``.

        Returns:
            dict: For each stage (:attr:`stages`), ``total`` and
            ``instances`` (persons predicted), the :func:`summarize` of its
            values, in milliseconds for times; ``memory_mib``: peak memory
            added.
        """
        samples = []
        timer = StageTimer(self.model, self._sync) \
            if self.backend == 'pytorch' else OnnxStageTimer(self.model)
        with timer, _PeakMemory(self.device) as memory:
            for i in range(warmup + runs):
                stages = timer.run(batches[i % len(batches)])
                if i >= warmup:
                    samples.append(stages)
                if tick is not None:
                    tick()
        result = {
            key: summarize([s[key] * 1e3 for s in samples])
            for key in (*self.stages, 'total')
        }
        result['instances'] = summarize([s['instances'] for s in samples])
        result['memory_mib'] = memory.mib
        return result

    @property
    def stages(self) -> Sequence[str]:
        """The stages :meth:`time` splits a run into."""
        return StageTimer.stages if self.backend == 'pytorch' \
            else OnnxStageTimer.stages

    def throughput(self,
                   batch: dict,
                   warmup: int = 2,
                   runs: int = 10,
                   tick: Optional[Callable[[], None]] = None) -> float:
        """Images per second of test steps on ``batch``."""
        timed = self.time([batch], warmup, runs, tick)
        return len(batch['inputs']) / (timed['total']['median'] / 1e3)

    def complexity(self, batch: dict) -> Dict[str, Optional[float]]:
        """Parameters and FLOPs of the network's forward (mode 'tensor':
        backbone, neck, head) on the preprocessed ``batch``, by mmengine's
        complexity analysis; decoding (NMS, grouping, RTMO's DCC on the
        kept persons) is not counted. PyTorch backend only."""
        from mmengine.analysis import get_model_complexity_info
        with torch.no_grad():
            inputs = self.model.data_preprocessor(batch, False)['inputs']
        params = sum(p.numel() for p in self.model.parameters())
        flops = None
        try:
            info = get_model_complexity_info(
                self.model,
                inputs=(inputs, None),
                show_table=False,
                show_arch=False)
            flops = float(info['flops'])
        except Exception as error:  # a head that jit tracing cannot follow
            print(f'FLOP count failed: {error!r}', flush=True)
        return dict(
            params=float(params),
            flops=flops,
            input_shape=list(inputs.shape[1:]))
