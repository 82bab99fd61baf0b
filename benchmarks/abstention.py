"""Calibrate the abstention gate: print the evidence features of every question, and the thresholds
that abstain on the most unanswerable questions while still answering a target share of answerable ones.

    .venv/bin/python benchmarks/abstention.py eval/sample.jsonl --index index [--target 0.9]

The gate (rag/ask.py, ``Evidence.sufficient``) answers only when the best passage similarity,
the question-term coverage and the answer support all reach their thresholds, every name and
number of the question appears in the passages, and the question's focus ("deep" in "How deep is
...?", rag/focus.py) is named by a retrieved article that itself covers the question to the coverage
threshold. Thresholds live in rag/config.py (AnswerSettings).
"""
from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.config import AnswerSettings  # noqa: E402
from rag.desk import Newsdesk  # noqa: E402
from rag.evaluate.dataset import load_questions  # noqa: E402

GRID = {
    "min_similarity": [0.0, 0.2, 0.25, 0.3, 0.35, 0.4],
    "min_coverage": [0.0, 0.4, 0.5, 0.6, 0.7],
    "min_answer_support": [0.0, 0.2, 0.25, 0.3, 0.35, 0.4],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--index", default="index")
    parser.add_argument("--target", type=float, default=0.9, help="share of answerable questions to keep answering")
    args = parser.parse_args()

    desk = Newsdesk(args.index)
    rows = []
    for q in load_questions(args.questions):
        hits = desk.retrieve(q.question, as_of=q.as_of).hits
        evidence = desk.evidence(q.question, hits)
        rows.append((q, evidence))
        print(f"{'answerable  ' if q.answerable else 'UNANSWERABLE'} {evidence}  | {q.id} {q.question[:70]}")

    answerable = [e for q, e in rows if q.answerable]
    unanswerable = [e for q, e in rows if not q.answerable]
    current = AnswerSettings()
    print(f"\n{len(answerable)} answerable, {len(unanswerable)} unanswerable questions")
    answered, abstained = _rates(current, answerable, unanswerable)
    print(f"current thresholds: answers {answered:.1%}, abstains on {abstained:.1%}")
    print("min_coverage sweep (other thresholds as configured):")
    for coverage in (0.4, 0.45, 0.5, 0.55, 0.6, 0.62, 0.65, 0.68, 0.7, 0.72, 0.75, 0.8):
        answered, abstained = _rates(replace(current, min_coverage=coverage), answerable, unanswerable)
        print(f"  {coverage:.2f}: answers {answered:6.1%}, abstains on {abstained:6.1%}")
    best = None
    for values in itertools.product(*GRID.values()):
        settings = AnswerSettings(**dict(zip(GRID, values)))
        answered, abstained = _rates(settings, answerable, unanswerable)
        if answered >= args.target and (best is None or (abstained, answered) > best[0]):
            best = ((abstained, answered), dict(zip(GRID, values)))
    if best:
        (abstained, answered), values = best
        print(f"best at >= {args.target:.0%} answered: {values} -> answers {answered:.1%}, abstains on {abstained:.1%}")


def _rates(settings: AnswerSettings, answerable, unanswerable) -> tuple[float, float]:
    answered = sum(e.sufficient(settings) for e in answerable) / max(1, len(answerable))
    abstained = sum(not e.sufficient(settings) for e in unanswerable) / max(1, len(unanswerable))
    return answered, abstained


if __name__ == "__main__":
    main()
