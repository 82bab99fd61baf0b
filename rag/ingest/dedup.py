"""Find exact and near-duplicate articles (the same story syndicated with small edits).

Exact: equal text after case and whitespace are normalised. Near: MinHash LSH over word 5-shingles
proposes candidates (datasketch), confirmed by the true Jaccard similarity of the shingle sets.
The earliest published copy is kept (the original, as a rule; undated copies count as latest, ties go
to the given order); the others are reported with the reason and the copy kept in their place.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from datasketch import MinHash, MinHashLSH

from ..config import DedupSettings
from ..types import Article, Duplicate

_WORD = re.compile(r"\w+")


def find_duplicates(
    articles: Sequence[Article], settings: DedupSettings = DedupSettings()
) -> tuple[list[Article], list[Duplicate]]:
    """Split ``articles`` into those to keep (in the given order) and the duplicates left out."""
    order = {id(a): i for i, a in enumerate(articles)}
    kept: list[Article] = []
    duplicates: list[Duplicate] = []
    by_hash: dict[str, str] = {}
    lsh = MinHashLSH(threshold=settings.near_threshold, num_perm=settings.num_perm)
    shingles: dict[str, set[str]] = {}
    for article in sorted(articles, key=lambda a: (a.published or date.max, order[id(a)])):
        if article.content_hash in by_hash:
            duplicates.append(Duplicate(article.id, by_hash[article.content_hash], article.path, "exact",
                                        article.title, article.url, article.source, article.published))
            continue
        grams = _shingles(article.text, settings.shingle_words)
        signature = MinHash(num_perm=settings.num_perm, seed=1)
        signature.update_batch([g.encode() for g in grams])
        best, best_sim = None, 0.0
        for other in lsh.query(signature):
            sim = _jaccard(grams, shingles[other])
            if sim >= settings.near_threshold and sim > best_sim:
                best, best_sim = other, sim
        if best is not None:
            duplicates.append(Duplicate(article.id, best, article.path, f"near (jaccard {best_sim:.2f})",
                                        article.title, article.url, article.source, article.published))
            continue
        by_hash[article.content_hash] = article.id
        if article.id not in shingles:
            lsh.insert(article.id, signature)
        shingles[article.id] = grams
        kept.append(article)
    return sorted(kept, key=lambda a: order[id(a)]), duplicates


def _shingles(text: str, size: int) -> set[str]:
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return {" ".join(words)}
    return {" ".join(words[i:i + size]) for i in range(len(words) - size + 1)}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0
