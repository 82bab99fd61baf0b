"""Retrieval hits@k for a sweep of the constraint and entity boosts (``RetrieveSettings``), retrieval only.

    .venv/bin/python benchmarks/constraint_boost.py eval/sample.jsonl --index index
    .venv/bin/python benchmarks/constraint_boost.py ../shared/devsets/realtimeqa_dev/questions.jsonl --index ../rtqa-index
"""
from __future__ import annotations

import argparse
from dataclasses import replace

from rag.config import RetrieveSettings
from rag.desk import Newsdesk
from rag.evaluate.dataset import load_questions
from rag.evaluate.run import RANK_DEPTH, EvidenceMatcher
from rag.retrieve import retrieve

SWEEP = ((0.0, 0.0), (0.05, 0.0), (0.1, 0.0), (0.0, 0.05), (0.0, 0.1), (0.05, 0.05), (0.1, 0.1), (0.2, 0.2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions")
    parser.add_argument("--index", default="index")
    args = parser.parse_args()
    desk = Newsdesk(args.index)
    matcher = EvidenceMatcher(desk.index)
    questions = [q for q in load_questions(args.questions) if q.evidence]
    print("| constraint_boost | entity_boost | hits@1 | hits@5 | hits@10 |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for constraint, entity in SWEEP:
        settings = replace(RetrieveSettings(), constraint_boost=constraint, entity_boost=entity)
        found = {1: 0, 5: 0, 10: 0}
        for q in questions:
            wanted = {a for a in (matcher.match(e) for e in q.evidence) if a}
            hits = retrieve(desk.index, desk.embedder, q.question, k=RANK_DEPTH, as_of=q.as_of, settings=settings).hits
            ranked = list(dict.fromkeys(h.article_id for h in hits))
            first = next((i for i, a in enumerate(ranked, 1) if a in wanted), None)
            for n in found:
                found[n] += first is not None and first <= n
        print(f"| {constraint} | {entity} | " + " | ".join(f"{found[n] / len(questions):.3f}" for n in (1, 5, 10)) + " |")


if __name__ == "__main__":
    main()
