"""Large corpora derived from the sample articles, for the benchmarks.

Each derived article takes its length (in sentences) from a random sample article and fills it
with sentences drawn from all the sample articles, so sentences are shuffled across articles. Two
derived articles then share about 3% of their sentences, far below the near-duplicate threshold
(Jaccard of word 5-shingles >= 0.5), so none is dropped. Titles recombine the halves of two sample
titles; dates, sources and categories vary. Article ``i`` of a seed is always the same article,
whatever the corpus size, so a corpus can be grown by writing more articles.
"""
from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from rag.ingest.clean import clean
from rag.ingest.load import load_documents
from rag.text import split_sentences
from rag.types import Article

SAMPLE_DIR = Path("data/articles")
FIRST_DATE, LAST_DATE = date(2022, 1, 1), date(2025, 2, 28)
_PLACES = ("Northern", "Capital", "Harbour", "Valley", "Coastal", "Midland", "Eastern", "Western", "Metro",
           "Island", "Border", "Lakeside", "Highland", "City", "County", "Atlantic")
_MASTHEADS = ("Courier", "Gazette", "Wire", "Herald", "Post", "Times", "Ledger", "Dispatch", "Observer",
              "Chronicle", "Record", "Tribune")


@dataclass(frozen=True)
class Sample:
    """What derived articles are made from: the sample's sentences, titles, lengths and categories."""

    sentences: list[str]
    titles: list[str]
    lengths: list[int]  # sentences per sample article
    categories: list[str]


def read_sample(folder: str | Path = SAMPLE_DIR) -> Sample:
    """Load and clean the sample articles in ``folder``, as the indexer does."""
    documents, _ = load_documents([folder])
    articles = [a for a in map(clean, documents) if isinstance(a, Article)]
    if not articles:
        raise SystemExit(f"{folder}: no usable sample article to derive a corpus from")
    sentences, lengths = [], []
    for article in articles:
        spans = split_sentences(article.text)
        sentences.extend(article.text[s:e] for s, e in spans)
        lengths.append(len(spans))
    return Sample(sentences, [a.title for a in articles], lengths,
                  sorted({a.category for a in articles if a.category}) or ["news"])


def derived_articles(sample: Sample, start: int, count: int, seed: int = 0) -> Iterator[dict]:
    """Derived articles ``start`` .. ``start + count - 1`` of ``seed``, as JSON records."""
    for i in range(start, start + count):
        rng = random.Random(f"newsdesk-bench-{seed}-{i}")
        n = max(4, rng.choice(sample.lengths) + rng.randint(-3, 3))
        picked = rng.sample(sample.sentences, min(n, len(sample.sentences)))
        paragraphs, j = [], 0
        while j < len(picked):
            size = rng.randint(1, 4)
            paragraphs.append(" ".join(picked[j:j + size]))
            j += size
        first, second = rng.sample(sample.titles, 2) if len(sample.titles) > 1 else (sample.titles[0],) * 2
        head, tail = first.split(), second.split()
        title = " ".join(head[:max(1, len(head) // 2)] + tail[len(tail) // 2:])
        source = f"{rng.choice(_PLACES)} {rng.choice(_MASTHEADS)}"
        published = FIRST_DATE + timedelta(days=rng.randrange((LAST_DATE - FIRST_DATE).days + 1))
        article_id = f"gen-{seed}-{i:06d}"
        yield {
            "id": article_id, "title": title, "text": "\n\n".join(paragraphs), "source": source,
            "published": published.isoformat(), "category": rng.choice(sample.categories),
            "url": f"https://example.org/{source.lower().replace(' ', '-')}/{article_id}",
        }


def write_jsonl(folder: str | Path, records: Iterator[dict], name: str = "part", per_file: int = 1000) -> int:
    """Write ``records`` as ``folder/<name>-NNNN.jsonl`` files of ``per_file`` lines; returns how many."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written, handle = 0, None
    try:
        for record in records:
            if written % per_file == 0:
                if handle:
                    handle.close()
                handle = open(folder / f"{name}-{written // per_file:04d}.jsonl", "w", encoding="utf-8")
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
    finally:
        if handle:
            handle.close()
    return written


def write_corpus(folder: str | Path, articles: int, seed: int = 0, sample_dir: str | Path = SAMPLE_DIR) -> Path:
    """Write ``articles`` derived articles into ``folder`` (created); returns the folder."""
    write_jsonl(folder, derived_articles(read_sample(sample_dir), 0, articles, seed))
    return Path(folder)
