"""Comparative studies: train (or load), test and time several methods
under one runner and evaluator, and report accuracy, cost and speed side
by side (``tools/compare.py``, ``tools/benchmark.py``,
``docs/comparative_study.md``)."""
from .method import MethodRun, method_config
from .report import markdown_table, write_report
from .spec import (DatasetSpec, MethodSpec, SpeedSpec, StudyError, StudySpec,
                   load_study)
from .speed import SpeedMeter
from .study import run_study
from .timing import STAGES, StageTimer, summarize

__all__ = [
    'DatasetSpec', 'MethodRun', 'MethodSpec', 'STAGES', 'SpeedMeter',
    'SpeedSpec', 'StageTimer', 'StudyError', 'StudySpec', 'load_study',
    'markdown_table', 'method_config', 'run_study', 'summarize', 'write_report'
]
