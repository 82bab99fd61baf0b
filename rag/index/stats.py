"""What an index holds, in counts: articles, chunks, sources, dates, model, duplicates, problems, size."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..types import Duplicate, Problem
from .store import UNKNOWN_SOURCE, Index
from .stores import Target, as_target, open_store


@dataclass(frozen=True)
class IndexStats:
    index_dir: Target
    articles: int
    chunks: int
    sources: dict[str, int]
    first_date: date | None
    last_date: date | None
    model: str
    precision: str
    dimension: int
    dense_index: str
    chunking: dict
    duplicates: list[Duplicate]
    problems: list[Problem]
    quarantined: dict[str, str]  # article id -> why its text reads as instructions to the assistant
    size_bytes: int
    built_at: str
    format_version: int


def index_stats(index_dir: str | Path) -> IndexStats:
    """Counts, sources, date range, model and size of the index in ``index_dir``."""
    target = as_target(index_dir)
    return stats_of(open_store(target), target)


def stats_of(index: Index, index_dir: Target) -> IndexStats:
    sources: dict[str, int] = {}
    for article in index.articles:
        name = article.source or UNKNOWN_SOURCE
        sources[name] = sources.get(name, 0) + 1
    dates = [a.published for a in index.articles if a.published]
    m = index.manifest
    return IndexStats(
        index_dir=index_dir, articles=len(index.articles), chunks=len(index),
        sources=dict(sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))),
        first_date=min(dates, default=None), last_date=max(dates, default=None), model=m["model"],
        precision=index.precision, dimension=m["dimension"], dense_index=m["dense_index"], chunking=m["chunking"],
        duplicates=index.duplicates, problems=index.problems,
        quarantined={a.id: a.quarantine for a in index.articles if a.quarantine}, size_bytes=index.size_bytes(),
        built_at=m["built_at"], format_version=m["format_version"],
    )
