"""Do the two stores give the same results? The sample corpus in the index folder and in Milvus Lite.

For every question of a set it compares the top-k articles retrieved by each store (as sets) and,
where the two stores hand the answerer the same passages, the answers. The issue asks for the same
top-5 articles on at least 90% of eval/sample.jsonl.

    .venv/bin/python benchmarks/store_agreement.py                       # eval/sample.jsonl, k = 5
    .venv/bin/python benchmarks/store_agreement.py --questions eval/heldout.jsonl
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from rag.desk import Newsdesk
from rag.evaluate.dataset import load_questions
from rag.ingest.build import build_index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", default="eval/sample.jsonl")
    parser.add_argument("--articles", default="data/articles")
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        build_index([args.articles], Path(tmp) / "index")
        folder = Newsdesk(Path(tmp) / "index")
        milvus_target = f"milvus://{Path(tmp) / 'milvus.db'}"
        build_index([args.articles], milvus_target)
        milvus = Newsdesk(milvus_target)

        questions = load_questions(args.questions)
        same_top, same_passages, same_answers = 0, 0, 0
        for q in questions:
            a, b = folder.ask(q.question, k=args.k), milvus.ask(q.question, k=args.k)
            top_a = {h.article_id for h in folder.retrieve(q.question, k=args.k).hits}
            top_b = {h.article_id for h in milvus.retrieve(q.question, k=args.k).hits}
            same_top += top_a == top_b
            if [h.chunk_id for h in a.passages] == [h.chunk_id for h in b.passages]:
                same_passages += 1
                same_answers += a.text == b.text
            else:
                print(f"  differs: {q.id}: {sorted(top_a ^ top_b)}")
        n = len(questions)
        print(f"{args.questions}: {n} questions, k = {args.k}")
        print(f"same top-{args.k} articles: {same_top}/{n} = {same_top / n:.1%}")
        print(f"same passages handed to the answerer: {same_passages}/{n}; "
              f"of those, same answer text: {same_answers}/{same_passages}")


if __name__ == "__main__":
    main()
