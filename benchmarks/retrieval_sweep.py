"""Retrieval hits@1/5/10 (evidence ranked), answer@5/10 (gold answer in the passages) per ``RetrieveSettings`` variant.

Each variant is ``name=value`` pairs of ``RetrieveSettings`` fields, comma-separated; ``default`` is the shipped
settings. The default sweep covers the fusion (convex or RRF) and its weights, candidate depth, RRF's k, MMR, the
recency, newest-first and constraint boosts.

    .venv/bin/python benchmarks/retrieval_sweep.py eval/sample.jsonl --index index
    .venv/bin/python benchmarks/retrieval_sweep.py ../shared/devsets/realtimeqa_dev/questions.jsonl --index ../rtqa-index
    .venv/bin/python benchmarks/retrieval_sweep.py QUESTIONS --index DIR --variant default --variant candidates=100
"""
from __future__ import annotations

import argparse
import subprocess
import time
from dataclasses import fields, replace

from rag.config import RetrieveSettings
from rag.desk import Newsdesk
from rag.evaluate.dataset import load_questions
from rag.evaluate.metrics import contains_answer
from rag.evaluate.run import RANK_DEPTH, EvidenceMatcher
from rag.retrieve import retrieve

RRF = "fusion=rrf,dense_weight=1,lexical_weight=1"  # the fusion shipped before convex
SWEEP = (
    "default", RRF, "lexical_weight=0", "dense_weight=0", "dense_weight=0.5,lexical_weight=0.5",
    "dense_weight=0.6,lexical_weight=0.4", "dense_weight=0.7,lexical_weight=0.3", "dense_weight=0.8,lexical_weight=0.2",
    "candidates=100", "candidates=200", f"{RRF},rrf_k=20", "max_per_article=1", "max_per_article=3",
    "mmr_lambda=1.0", "recency_weight=0", "recency_weight=0.5", "constraint_boost=0", "constraint_boost=0.2",
    "entity_boost=0.05", "newest_first_weight=0", "newest_first_weight=0.3", "newest_first_weight=0.7",
)


def settings_of(variant: str) -> RetrieveSettings:
    """``RetrieveSettings`` with the ``name=value`` pairs of ``variant`` (``default``: none)."""
    types = {f.name: f.type for f in fields(RetrieveSettings)}
    changes = {}
    for pair in filter(None, variant.split(",")):
        if pair == "default":
            continue
        name, value = pair.split("=", 1)
        parse = {"int": int, "float": float, "str": str, "bool": lambda v: v.lower() in ("1", "true")}
        changes[name] = parse[types[name]](value)
    return replace(RetrieveSettings(), **changes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions")
    parser.add_argument("--index", default="index")
    parser.add_argument("--variant", action="append", help="name=value[,name=value] (repeatable; default: the sweep)")
    args = parser.parse_args()
    desk = Newsdesk(args.index)
    matcher = EvidenceMatcher(desk.index)
    questions = [q for q in load_questions(args.questions) if q.evidence]
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    print(f"{len(questions)} questions with evidence, index {args.index}\n")
    # answer@N: a gold answer is written in one of the top N passages (DPR's "top-N accuracy"), whichever
    # article holds it: on sets whose evidence is one article among several that tell the same story.
    print("| variant | hits@1 | hits@5 | hits@10 | answer@5 | answer@10 | ms/question |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for variant in args.variant or SWEEP:
        settings = settings_of(variant)
        found = {1: 0, 5: 0, 10: 0}
        answered = {5: 0, 10: 0}
        started = time.perf_counter()
        for q in questions:
            wanted = {a for a in (matcher.match(e) for e in q.evidence) if a}
            hits = retrieve(desk.index, desk.embedder, q.question, k=RANK_DEPTH, as_of=q.as_of, settings=settings).hits
            ranked = list(dict.fromkeys(h.article_id for h in hits))
            first = next((i for i, a in enumerate(ranked, 1) if a in wanted), None)
            for n in found:
                found[n] += first is not None and first <= n
            for n in answered:
                answered[n] += any(contains_answer(h.text, q.answers) for h in hits[:n]) if q.answers else 0
        ms = (time.perf_counter() - started) * 1000 / len(questions)
        rates = [found[n] / len(questions) for n in (1, 5, 10)] + [answered[n] / len(questions) for n in (5, 10)]
        print(f"| {variant} | " + " | ".join(f"{rate:.3f}" for rate in rates) + f" | {ms:.0f} |", flush=True)


if __name__ == "__main__":
    main()
