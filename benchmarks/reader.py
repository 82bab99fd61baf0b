"""The reader per answer kind: answer_contains, hits@5 and the short-answer-first share of `rag eval` reports.

Questions are grouped by the kind ``rag.question.reading`` reads off them (person, date, amount, ...), so
two reports of one question set compare kind by kind. "short first" is the share of answered name, date,
amount and number questions whose first claim (the text before the first [n]) is at most
``GroundingSettings.short_claim_words`` words: the short answer, not a quoted sentence.

    .venv/bin/python benchmarks/reader.py reports/before.json reports/after.json
"""
from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict

from rag.config import GroundingSettings
from rag.question.reading import SHORT_KINDS, read_question

_MARKER = re.compile(r"\s*\[\d+\]")


def by_kind(report: dict) -> dict[str, dict[str, float | int | None]]:
    """Per kind: questions, answer_contains (answerable), hits@5, short-first share (answered short kinds)."""
    groups = defaultdict(list)
    for record in report["records"]:
        groups[read_question(record["question"]).kind].append(record)
    groups["all"] = list(report["records"])
    rows = {}
    for kind, records in sorted(groups.items()):
        contains = [r["scores"]["answer_contains"] for r in records if r["scores"].get("answer_contains") is not None]
        hits = [r["scores"]["hits@5"] for r in records if r["scores"].get("hits@5") is not None]
        short = [_short_first(r["answer"]) for r in records
                 if not r["abstained"] and read_question(r["question"]).kind in SHORT_KINDS]
        rows[kind] = {"questions": len(records), "answer_contains": _mean(contains), "hits@5": _mean(hits),
                      "short_first": _mean(short)}
    return rows


def _short_first(answer: str) -> float:
    first = _MARKER.split(answer, 1)[0] if _MARKER.search(answer) else answer
    return float(len(first.split()) <= GroundingSettings().short_claim_words)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", help="rag eval --out JSON files, compared side by side")
    args = parser.parse_args()
    tables = [by_kind(json.load(open(path))) for path in args.reports]
    kinds = sorted({k for t in tables for k in t}, key=lambda k: (k == "all", k))
    print("| kind | questions | " + " | ".join(f"contains / hits@5 / short first ({i + 1})"
                                              for i in range(len(tables))) + " |")
    print("| --- | ---: |" + " ---: |" * len(tables))
    for kind in kinds:
        cells = []
        for table in tables:
            row = table.get(kind)
            cells.append(" / ".join(_fmt(row and row[m]) for m in ("answer_contains", "hits@5", "short_first")))
        n = next(t[kind]["questions"] for t in tables if kind in t)
        print(f"| {kind} | {n} | " + " | ".join(cells) + " |")


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    main()
