"""Export a config and checkpoint to one ONNX file."""
import os.path as osp
from typing import Dict, Optional, Sequence, Union

from mmengine.config import Config

from directpose.version import __version__
from .base_exporter import BaseOnnxExporter, pipeline_input_size
from .config_json import config_to_json
from .errors import ExportError
from .registry import ONNX_EXPORTERS

#: ``metadata_props`` keys of an exported file
#: (:class:`directpose.apis.OnnxPoseModel` reads them)
META_CONFIG = 'directpose.config'
META_DECODING = 'directpose.decoding'
META_HEAD = 'directpose.head'
META_VERSION = 'directpose.version'


def build_exporter(config: Union[str, Config],
                   checkpoint: Optional[str],
                   input_size: Optional[Sequence[int]] = None,
                   cfg_options: Optional[dict] = None) -> BaseOnnxExporter:
    """The exporter of a config's model, chosen by ``model.head.type`` (see
    :data:`ONNX_EXPORTERS`), with the model loaded, in eval and deploy mode.

    Args:
        config (str | Config): A config file, a model-zoo name or a Config.
        checkpoint (str, optional): A checkpoint file, a URL or a model-zoo
            name; None keeps the initial weights (for timing).
        input_size (Sequence[int], optional): (w, h) of the graph's input.
            Defaults to the test pipeline's ``BottomupResize.input_size``.
        cfg_options (dict, optional): Config overrides.

    Raises:
        FileNotFoundError: The config or checkpoint does not exist.
        ExportError: The head has no exporter, or the input size or an
            option does not suit the model.
    """
    # imported here: directpose.apis imports this package
    from directpose.apis import init_model, resolve_checkpoint, resolve_config
    from directpose.engine import load_config

    if isinstance(config, str):
        config = load_config(resolve_config(config), cfg_options)
    else:
        config = Config(config.to_dict())
        config.merge_from_dict(cfg_options or {})
    head_type = config.model.head.type
    if head_type not in ONNX_EXPORTERS:
        raise ExportError(
            f'model.head.type={head_type!r} has no ONNX exporter; the export '
            f'supports the heads {sorted(ONNX_EXPORTERS.module_dict)}')
    exporter_cls = ONNX_EXPORTERS.get(head_type)
    if checkpoint is not None:
        checkpoint = resolve_checkpoint(checkpoint)
    if input_size is None:
        input_size = pipeline_input_size(config)
        if input_size is None:
            raise ExportError(
                'no input size: the test pipeline has no BottomupResize of '
                'a fixed size (e.g. BottomupShortSideResize, whose size '
                'follows the image); expected an input size (w, h) '
                '(--input-size W H), to which OnnxPoseModel letterboxes '
                'the images')
    cfg = exporter_cls.adapt_config(config)
    input_size = exporter_cls.check_input_size(cfg, input_size)
    if 'input_size' in cfg.model.get('test_cfg', {}):
        # what deploy mode precomputes for (RTMO's positional encodings),
        # which mmpose's HybridEncoder and RTMOHead read as (h, w)
        cfg.model.test_cfg.input_size = input_size[::-1]
    model = init_model(cfg, checkpoint, device='cpu')
    model.switch_to_deploy()
    return exporter_cls(model, cfg, input_size).eval()


def export_onnx(config: Union[str, Config],
                checkpoint: str,
                out: str,
                input_size: Optional[Sequence[int]] = None,
                dynamic_batch: bool = False,
                opset: int = 17,
                cfg_options: Optional[dict] = None) -> str:
    """Export a pose model to an ONNX file that
    :class:`directpose.apis.OnnxPoseModel` (and, for RTMO, rtmlib) runs.

    The exporter is chosen by ``model.head.type`` (:func:`build_exporter`).
    The file carries the config it was exported from (its
    ``metadata_props``), so that it is all a runtime needs.

    Args:
        config (str | Config): A config file, a model-zoo name or a Config.
        checkpoint (str): A checkpoint file, a URL or a model-zoo name.
        out (str): The ONNX file to write; written atomically, so a failed
            export leaves no file (or the previous one).
        input_size (Sequence[int], optional): (w, h) of the graph's input.
            Defaults to the test pipeline's ``BottomupResize.input_size``.
            Fixed for RTMO; for heatmap models the example size of a graph
            that takes any multiple of the pipeline's ``size_factor``.
        dynamic_batch (bool): Leave the batch size free (else 1).
        opset (int): The ONNX opset. Defaults to 17.
        cfg_options (dict, optional): Config overrides.

    Returns:
        str: ``out``.

    Raises:
        FileNotFoundError: The config or checkpoint does not exist (the
            message names it).
        ExportError: The head has no exporter, or the input size or an
            option does not suit the model (the message names it).
    """
    exporter = build_exporter(config, checkpoint, input_size, cfg_options)
    return exporter.export(
        osp.expanduser(out), dynamic_batch, opset, metadata(exporter))


def metadata(exporter: BaseOnnxExporter) -> Dict[str, str]:
    """What an exported file says about itself (its ``metadata_props``):
    the config (as JSON: reading it runs no code), how to decode the
    outputs, the head, this package's version."""
    return {
        META_CONFIG: config_to_json(exporter.cfg),
        META_DECODING: exporter.decoding,
        META_HEAD: exporter.cfg.model.head.type,
        META_VERSION: __version__,
    }
