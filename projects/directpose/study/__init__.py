"""Comparative studies: train (or load), test and time several methods
under one runner and evaluator, and report accuracy, cost and speed side
by side (``tools/compare.py``, ``docs/comparative_study.md``).

A study file (:func:`load_study`) names the methods; each runs in its own
process (:class:`MethodRun`) and leaves a :class:`MethodResult`, which
the report (:func:`write_report`) reads. The measuring itself is
:mod:`directpose.benchmark`'s.
"""
from .method import MethodRun, method_config
from .report import markdown_table, write_report
from .result import Accuracy, BackendSpeed, Cost, MethodResult, Speed
from .spec import (DatasetSpec, MethodSpec, SpeedSpec, StudyError, StudySpec,
                   load_study)
from .study import run_study

__all__ = [
    'Accuracy', 'BackendSpeed', 'Cost', 'DatasetSpec', 'MethodResult',
    'MethodRun', 'MethodSpec', 'Speed', 'SpeedSpec', 'StudyError', 'StudySpec',
    'load_study', 'markdown_table', 'method_config', 'run_study',
    'write_report'
]
