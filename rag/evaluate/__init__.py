"""Evaluation: score retrieval, answers, citations and abstention on a question set.

dataset (read the questions) -> run (ask and score each one) -> report (tables, JSON, Markdown, chart).
"""

from .dataset import Evidence, Question, load_questions
from .report import compare_table, format_run, load_summary, write_report
from .run import SUMMARY_KEYS, EvalRun, Record, evaluate, summarise

__all__ = ["SUMMARY_KEYS", "EvalRun", "Evidence", "Question", "Record", "compare_table", "evaluate", "format_run",
           "load_questions", "load_summary", "summarise", "write_report"]
