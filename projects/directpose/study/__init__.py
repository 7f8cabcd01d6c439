"""Comparative studies: train (or load), test and time several methods
under one runner and evaluator, and report accuracy, cost and speed side
by side (``tools/compare.py``, ``docs/comparative_study.md``). The
measuring itself is :mod:`directpose.benchmark`'s."""
from .method import MethodRun, method_config
from .report import markdown_table, write_report
from .spec import (DatasetSpec, MethodSpec, SpeedSpec, StudyError, StudySpec,
                   load_study)
from .study import run_study

__all__ = [
    'DatasetSpec', 'MethodRun', 'MethodSpec', 'SpeedSpec', 'StudyError',
    'StudySpec', 'load_study', 'markdown_table', 'method_config', 'run_study',
    'write_report'
]
