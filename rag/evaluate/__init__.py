"""Evaluation: score retrieval, answers, citations and abstention on a question set.

dataset (read the questions) -> run (ask and score each one) -> report (tables, JSON, Markdown, chart).

The names below load on first use: the CLI registers `rag eval` from ``command.py`` on every start, and
reading question files pulls in the loaders (charset detection and all), which `rag ask` never needs.
"""
from __future__ import annotations

from importlib import import_module

_HOMES = {"Evidence": "dataset", "Question": "dataset", "load_questions": "dataset",
          "compare_table": "report", "format_run": "report", "load_summary": "report", "write_report": "report",
          "SUMMARY_KEYS": "run", "EvalRun": "run", "Record": "run", "evaluate": "run", "summarise": "run"}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
