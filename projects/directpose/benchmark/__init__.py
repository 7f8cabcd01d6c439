"""Measuring pose models: latency per stage, throughput, peak memory and
cost of the inference model with PyTorch or ONNX Runtime
(:class:`SpeedMeter`), the breakdown of ``tools/benchmark.py``
(:func:`benchmark`), and the training probes and device check of
``tools/device_check.py`` (:mod:`.probe`, :mod:`.device_check`).

This package knows nothing of studies; :mod:`directpose.study` measures
each of its methods with it.
"""
from .breakdown import benchmark, format_benchmark
from .onnx_timing import ONNX_STAGES, OnnxStageTimer
from .speed import (BACKENDS, SpeedMeter, describe_device, memory_kind,
                    resolve_device)
from .timing import STAGES, StageTimer, summarize

__all__ = [
    'BACKENDS', 'ONNX_STAGES', 'OnnxStageTimer', 'STAGES', 'SpeedMeter',
    'StageTimer', 'benchmark', 'describe_device', 'format_benchmark',
    'memory_kind', 'resolve_device', 'summarize'
]
