"""Show a run: summary tables for the terminal, the JSON report with a Markdown page and an SVG chart
beside it, and the comparison of two saved runs.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from html import escape
from pathlib import Path

from ..errors import InputError
from .run import SUMMARY_KEYS, EvalRun, Record

# The per-type table and the chart show the measures a reader looks at first.
TYPE_COLUMNS = ("questions", "hits@5", "mrr@10", "fact_hits@10", "answer_f1", "answer_contains",
                "abstain_recall", "citation_precision", "citation_support")
CHART_METRICS = ("hits@5", "mrr@10", "answer_contains", "citation_support", "abstain_recall")
CHART_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9")  # Okabe-Ito: readable when colour-blind


def format_value(key: str, value: float | None) -> str:
    """A summary value as shown: counts whole, milliseconds to 0.1, rates to 3 decimals, '-' when unmeasured."""
    if value is None:
        return "-"
    if key == "questions":
        return str(int(value))
    if key.endswith("_ms"):
        return f"{value:.1f}"
    return f"{value:.3f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool = False) -> str:
    if markdown:
        lines = [header, ["---"] + ["---:"] * (len(header) - 1), *rows]
        return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
                     for cells in [header, *rows])


def summary_table(summary: dict, markdown: bool = False) -> str:
    """Every summary key with its value."""
    return _table(["metric", "value"], [[key, format_value(key, summary.get(key))] for key in SUMMARY_KEYS], markdown)


def type_table(by_type: dict[str, dict], markdown: bool = False) -> str:
    """The main measures per question type."""
    rows = [[kind] + [format_value(key, summary.get(key)) for key in TYPE_COLUMNS] for kind, summary in by_type.items()]
    return _table(["type", *TYPE_COLUMNS], rows, markdown)


def format_run(run: EvalRun) -> str:
    """The terminal view of a run: the summary, then the per-type table."""
    return f"{summary_table(run.summary)}\n\nper question type:\n{type_table(run.by_type)}"


def write_report(run: EvalRun, out: str | Path) -> list[Path]:
    """Write the JSON report to ``out`` and, beside it, ``<stem>.md`` and the chart ``<stem>.svg``."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    markdown, chart = out.with_suffix(".md"), out.with_suffix(".svg")
    out.write_text(json.dumps(asdict(run), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    chart.write_text(type_chart(run), encoding="utf-8")
    markdown.write_text(_markdown(run, chart.name), encoding="utf-8")
    return [out, markdown, chart]


def _markdown(run: EvalRun, chart_name: str) -> str:
    settings = ", ".join(f"{key} `{value}`" for key, value in run.settings.items())
    return "\n\n".join([
        "# Newsdesk evaluation",
        f"Run with {settings}.",
        "## Summary",
        summary_table(run.summary, markdown=True),
        "## Per question type",
        type_table(run.by_type, markdown=True),
        f"![{', '.join(CHART_METRICS)} per question type]({chart_name})",
        "## Questions",
        "Rank: where the first evidence article came in the top 10 ('-' none, blank no evidence). "
        "Cited: verified citations / citations.",
        _question_table(run.records),
    ]) + "\n"


def _question_table(records: Sequence[Record]) -> str:
    rows = []
    for r in records:
        rank = str(r.hit_ranks[0]) if r.hit_ranks else ("-" if r.evidence_articles or r.evidence_unmatched else "")
        cited = f"{sum(c.verified for c in r.citations)}/{len(r.citations)}" if r.citations else ""
        rows.append([r.id, r.type, "yes" if r.answerable else "no", rank, "yes" if r.abstained else "",
                     format_value("answer_f1", r.scores["answer_f1"]),
                     format_value("answer_contains", r.scores["answer_contains"]), cited])
    return _table(["id", "type", "answerable", "rank", "abstained", "answer_f1", "contains", "cited"], rows, True)


def type_chart(run: EvalRun) -> str:
    """A grouped bar chart (SVG) of ``CHART_METRICS`` overall and per type; unmeasured values get no bar."""
    groups = [("overall", run.summary), *run.by_type.items()]
    bar, gap, plot_h, left, top = 14, 28, 200, 44, 40
    group_w = bar * len(CHART_METRICS) + gap
    width = max(left + group_w * len(groups), left + 120 * len(CHART_METRICS)) + 10
    height = top + plot_h + 50
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="11">',
             f'<rect width="{width}" height="{height}" fill="white"/>']
    for i, (metric, colour) in enumerate(zip(CHART_METRICS, CHART_COLOURS)):
        x = left + i * 120
        parts.append(f'<rect x="{x}" y="10" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="19">{escape(metric)}</text>')
    for tick in (0, 0.25, 0.5, 0.75, 1):
        y = top + plot_h * (1 - tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>')
    for g, (name, summary) in enumerate(groups):
        x0 = left + g * group_w + gap / 2
        for i, (metric, colour) in enumerate(zip(CHART_METRICS, CHART_COLOURS)):
            value = summary.get(metric)
            if value is None:
                continue
            h = plot_h * value
            parts.append(f'<rect x="{x0 + i * bar:.1f}" y="{top + plot_h - h:.1f}" width="{bar - 2}" '
                         f'height="{h:.1f}" fill="{colour}"><title>{escape(name)} {metric}: {value:.3f}</title></rect>')
        label_x = x0 + bar * len(CHART_METRICS) / 2
        parts.append(f'<text x="{label_x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{escape(name)}</text>'
                     f'<text x="{label_x:.1f}" y="{top + plot_h + 30}" text-anchor="middle" fill="#666">'
                     f'n={int(summary["questions"])}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def load_summary(path: str | Path) -> dict:
    """The ``summary`` object of a saved JSON report."""
    path = Path(path)
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"{path}: not a JSON report ({err})") from None
    if not isinstance(report, dict) or not isinstance(report.get("summary"), dict):
        raise InputError(f"{path}: not an evaluation report (no 'summary' object)")
    return report["summary"]


def compare_table(a: dict, b: dict) -> str:
    """Each summary key with its value in run a, in run b, and the change b - a."""
    rows = []
    for key in SUMMARY_KEYS:
        va, vb = a.get(key), b.get(key)
        delta = "-" if va is None or vb is None else ('+' if vb >= va else '') + format_value(key, vb - va)
        rows.append([key, format_value(key, va), format_value(key, vb), delta])
    return _table(["metric", "a", "b", "delta"], rows)
