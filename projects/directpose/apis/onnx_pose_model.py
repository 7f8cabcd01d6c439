"""A pose model exported to ONNX, run with ONNX Runtime, that predicts what
the PyTorch model predicts."""
import copy
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData
from mmpose.apis.inference import dataset_meta_from_config
from mmpose.registry import KEYPOINT_CODECS
from mmpose.structures import PoseDataSample

from directpose.deploy.base_exporter import fixed_size_pipeline
from directpose.deploy.config_json import config_from_json
from directpose.deploy.export import META_CONFIG, META_DECODING
from .batch_inference import collate_images


def _providers(device: Optional[str]) -> list:
    """ONNX Runtime execution providers for 'cpu', 'cuda' or 'cuda:i'
    (default: CUDA when onnxruntime has it)."""
    import onnxruntime as ort
    available = ort.get_available_providers()
    if device is None:
        device = 'cuda' if 'CUDAExecutionProvider' in available else 'cpu'
    if device == 'cpu':
        return ['CPUExecutionProvider']
    if not device.startswith('cuda'):
        raise ValueError(f"device {device!r}: expected 'cpu', 'cuda' or "
                         "'cuda:<index>'")
    if 'CUDAExecutionProvider' not in available:
        raise RuntimeError(
            f'device {device!r} asked for, but onnxruntime has no CUDA '
            f'execution provider (it has {available}); install '
            'onnxruntime-gpu')
    index = int(device.split(':')[1]) if ':' in device else 0
    return [('CUDAExecutionProvider', dict(device_id=index)),
            'CPUExecutionProvider']


class OnnxPoseModel:
    """A bottom-up pose model exported by
    :func:`directpose.deploy.export_onnx`, run with ONNX Runtime.

    It takes the batches that the config's test pipeline and
    ``pseudo_collate`` make and returns the ``PoseDataSample``\\ s of the
    PyTorch model's ``test_step`` (as :func:`mmpose.apis.inference_bottomup`
    returns them): ``pred_instances`` with ``keypoints`` (N, K, 2),
    ``keypoint_scores`` and ``keypoints_visible`` (N, K), ``bbox_scores``
    (N, ) and, for models with boxes, ``bboxes`` (N, 4), ``scores`` and
    ``labels``, in the pixels of the original image. So it plugs into
    :func:`directpose.apis.inference_images` and the benchmarks wherever the
    PyTorch model does; :meth:`__call__` takes images directly.

    The config comes from the file (the export writes it into the model's
    metadata, as JSON: reading a file runs none of its content). A graph of
    fixed input size gets the test pipeline's ``BottomupResize`` set to that
    size (a ``BottomupShortSideResize`` becomes a letterbox of that size); a
    graph of fixed batch size 1 runs a batch image by image.
    Decoding: for end-to-end graphs (RTMO), the persons of
    ``dets``/``keypoints`` mapped back to the image; for heatmap graphs
    (SWAHR/HigherHRNet), the config's codec groups the keypoint candidates
    and refines them on ``heatmaps`` and ``tags`` as the PyTorch head does.

    Args:
        onnx_model (str | bytes): The ONNX file, or a serialised model.
        device (str, optional): 'cpu', 'cuda' or 'cuda:<index>'. Defaults to
            CUDA when onnxruntime has its execution provider, else the CPU.
        config (str | Config, optional): The model's config, for files
            without one. Defaults to the file's.
        num_threads (int, optional): ONNX Runtime's intra-op threads.
            Defaults to its own choice (one per physical core).

    Attributes:
        cfg (Config): The config, its test pipeline adapted to the graph.
        dataset_meta (dict): Keypoint names, flip indices, skeleton, ...
        session (onnxruntime.InferenceSession): The session.
    """

    def __init__(self,
                 onnx_model: Union[str, bytes],
                 device: Optional[str] = None,
                 config: Union[str, Config, None] = None,
                 num_threads: Optional[int] = None):
        import onnxruntime as ort
        if isinstance(onnx_model, str) and not osp.isfile(onnx_model):
            raise FileNotFoundError(f'ONNX file {onnx_model} not found')
        options = ort.SessionOptions()
        if num_threads is not None:
            options.intra_op_num_threads = num_threads
        self.session = ort.InferenceSession(
            onnx_model, options, providers=_providers(device))
        where = onnx_model if isinstance(onnx_model, str) else 'the model'
        metadata = self.session.get_modelmeta().custom_metadata_map
        self.decoding = metadata.get(META_DECODING)
        if self.decoding not in ('instances', 'heatmaps'):
            raise ValueError(
                f'{where}: expected an export of directpose.deploy '
                f'(metadata {META_DECODING!r} = "instances" or "heatmaps"), '
                f'got {self.decoding!r}')
        if config is None:
            if META_CONFIG not in metadata:
                raise ValueError(f'{where} holds no config; pass config=')
            config = config_from_json(metadata[META_CONFIG])
        elif isinstance(config, str):
            config = Config.fromfile(config)
        graph_input = self.session.get_inputs()[0]
        self.input_name = graph_input.name
        batch, _, height, width = graph_input.shape
        self.batch_size = batch if isinstance(batch, int) else None
        self.input_size = (width, height) if isinstance(width, int) else None
        self.cfg = self._adapt_pipeline(config)
        self.dataset_meta = dataset_meta_from_config(self.cfg, 'train')
        self._init_padding(self.cfg.model.get('data_preprocessor', {}))
        self.codec = None
        if self.decoding == 'heatmaps':
            self.codec = KEYPOINT_CODECS.build(self.cfg.model.head.decoder)

    def _adapt_pipeline(self, config: Config) -> Config:
        """The config with the test pipeline resizing to a fixed-size
        graph's input size (:func:`~directpose.deploy.base_exporter.
        fixed_size_pipeline`: a ``BottomupShortSideResize`` becomes a
        letterbox of that size)."""
        if self.input_size is None:
            return copy.deepcopy(config)
        return fixed_size_pipeline(config, self.input_size)

    def _init_padding(self, preprocessor: dict) -> None:
        """The pixel values (loaded channel order) that the graph normalises
        to the data preprocessor's ``pad_value``, and ``pad_size_divisor``:
        a batch of images of different sizes is padded as the PyTorch
        model's data preprocessor pads it."""
        self.pad_size_divisor = preprocessor.get('pad_size_divisor', 1)
        value = np.full(3, preprocessor.get('pad_value', 0), np.float32)
        if preprocessor.get('mean') is not None:
            value = value * np.asarray(preprocessor['std'], np.float32) + \
                np.asarray(preprocessor['mean'], np.float32)
        if preprocessor.get('bgr_to_rgb') or preprocessor.get('rgb_to_bgr'):
            value = value[::-1]
        self.pad_pixel = value.reshape(3, 1, 1)

    # ------------------------------------------------------------ stages
    def stack_inputs(self, inputs: Sequence[torch.Tensor]) -> np.ndarray:
        """The packed images (3, h, w) of a batch as the graph's input
        (B, 3, H, W), float32, padded at the bottom and right."""
        height = max(image.shape[1] for image in inputs)
        width = max(image.shape[2] for image in inputs)
        divisor = self.pad_size_divisor
        height = -(-height // divisor) * divisor
        width = -(-width // divisor) * divisor
        if self.input_size is not None and (width, height) != self.input_size:
            raise ValueError(
                f'images of {width}x{height} pixels after the test pipeline, '
                f'but the graph takes {self.input_size[0]}x'
                f'{self.input_size[1]}: the config\'s test pipeline does not '
                'resize to the exported input size')
        batch = np.empty((len(inputs), 3, height, width), np.float32)
        batch[:] = self.pad_pixel
        for out, image in zip(batch, inputs):
            out[:, :image.shape[1], :image.shape[2]] = image.numpy()
        return batch

    def run(self, batch: np.ndarray) -> List[np.ndarray]:
        """The graph's outputs on a batch (image by image for a graph of
        fixed batch size 1)."""
        if self.batch_size is None or len(batch) == self.batch_size:
            return self.session.run(None, {self.input_name: batch})
        per_image = [self.run(batch[i:i + 1]) for i in range(len(batch))]
        return [_pad_cat(list(outputs)) for outputs in zip(*per_image)]

    def decode(self, outputs: List[np.ndarray],
               data_samples: Sequence[PoseDataSample]) -> List[PoseDataSample]:
        """The graph's outputs as ``pred_instances`` in image pixels."""
        if self.decoding == 'instances':
            instances = self._decode_instances(*outputs)
        else:
            instances = self._decode_heatmaps(*outputs)
        for sample, pred in zip(data_samples, instances):
            _to_image(pred, sample.metainfo)
            pred.keypoints_visible = pred.keypoint_scores
            sample.pred_instances = pred
        return list(data_samples)

    def _decode_instances(self, dets: np.ndarray,
                          keypoints: np.ndarray) -> List[InstanceData]:
        """(B, N, 5) and (B, N, K, 3) -> the persons of each image (rows of
        score 0 pad the batch)."""
        preds = []
        for image_dets, image_keypoints in zip(dets, keypoints):
            keep = image_dets[:, 4] > 0
            image_dets, image_keypoints = image_dets[keep], \
                image_keypoints[keep]
            preds.append(
                InstanceData(
                    bboxes=image_dets[:, :4],
                    scores=image_dets[:, 4],
                    bbox_scores=image_dets[:, 4],
                    labels=np.zeros(len(image_dets), np.int64),
                    keypoints=image_keypoints[..., :2],
                    keypoint_scores=image_keypoints[..., 2]))
        return preds

    def _decode_heatmaps(self, heatmaps: np.ndarray, tags: np.ndarray,
                         *candidates: np.ndarray) -> List[InstanceData]:
        """Group the keypoint candidates into persons with the config's
        codec, refining them on the (B, K, H, W) heatmaps and (B, C, H, W)
        tag maps, as the PyTorch head's decoding does."""
        keypoints, scores, person_scores = self.codec.group_candidates(
            *candidates, heatmaps, tags)
        return [
            InstanceData(keypoints=k, keypoint_scores=s, bbox_scores=p)
            for k, s, p in zip(keypoints, scores, person_scores)
        ]

    # --------------------------------------------------------- interfaces
    def test_step(self, data: Dict) -> List[PoseDataSample]:
        """Predict a batch from the test pipeline and ``pseudo_collate``
        (``inputs``: (3, h, w) uint8 tensors; ``data_samples``), as the
        PyTorch model's ``test_step`` does."""
        batch = self.stack_inputs(data['inputs'])
        return self.decode(self.run(batch), data['data_samples'])

    def __call__(
            self, images: Union[str, np.ndarray,
                                Sequence]) -> List[PoseDataSample]:
        """Predict an image (a file or a BGR array) or a list of them, in
        one batch; see :func:`directpose.apis.inference_images` for many
        images in batches."""
        if isinstance(images, (str, np.ndarray)):
            images = [images]
        return self.test_step(collate_images(self, images))


def _pad_cat(arrays: List[np.ndarray]) -> np.ndarray:
    """Concatenate (1, N_i, ...) arrays into (B, max N_i, ...), padding with
    zeros."""
    num = max(a.shape[1] for a in arrays)
    out = np.zeros((len(arrays), num, *arrays[0].shape[2:]), arrays[0].dtype)
    for row, array in zip(out, arrays):
        row[:array.shape[1]] = array[0]
    return out


def _to_image(pred: InstanceData, metainfo: dict) -> None:
    """Map keypoints and boxes from the input to the original image, as
    ``BottomupPoseEstimator.add_pred_to_datasample`` does (same arithmetic,
    same dtypes)."""
    input_size = metainfo['input_size']
    center = metainfo['input_center']
    scale = metainfo['input_scale']

    def mapped(points: np.ndarray) -> np.ndarray:
        return points / input_size * scale + center - 0.5 * scale

    pred.keypoints = mapped(pred.keypoints)
    if 'bboxes' in pred:
        boxes = pred.bboxes.reshape(-1, 2, 2)
        pred.bboxes = mapped(boxes).reshape(-1, 4)
