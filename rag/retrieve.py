"""Hybrid retrieval: dense (FAISS) and BM25 candidates fused (``rag.fusion``), then diversified.

Source and date filters restrict both searches before ranking. A time phrase in the question shifts the
fused score towards articles from the asked dates, and a question naming no time, year, quarter or edition
towards the newest (news is asked about as of a day); a passage naming the question's year, quarter, edition
or names rises, one naming another year or edition sinks (``rag.question.reading``). Maximal marginal
relevance with a cap per article keeps the passages handed on from being near-copies of one paragraph.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import faiss
import numpy as np

from .config import MAX_K, RetrieveSettings
from .fusion import Candidates, fuse
from .index.embed import Embedder
from .index.store import UNKNOWN_SOURCE, Index
from .question.reading import Constraints, constraints
from .question.time_phrases import NEWEST_FIRST, TimeIntent, parse_time
from .types import Hit


@dataclass(frozen=True)
class Filters:
    sources: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None

    def allowed(self, index: Index) -> np.ndarray | None:
        """Boolean mask over chunk rows, or None when nothing is filtered."""
        if not (self.sources or self.since or self.until):
            return None
        wanted = {s.lower() for s in self.sources}
        ok_article = np.array([
            (not wanted or (a.source or UNKNOWN_SOURCE).lower() in wanted)
            and (not self.since or (a.published is not None and a.published >= self.since))
            and (not self.until or (a.published is not None and a.published <= self.until))
            for a in index.articles
        ], dtype=bool)
        return ok_article[index.chunk_article] if len(index) else np.zeros(0, dtype=bool)


@dataclass(frozen=True)
class Retrieval:
    hits: list[Hit]
    query: str
    as_of: date | None
    time: TimeIntent | None


def retrieve(
    index: Index, embedder: Embedder, query: str, *, k: int | None = None, filters: Filters = Filters(),
    as_of: date | None = None, settings: RetrieveSettings = RetrieveSettings(),
) -> Retrieval:
    """The ``k`` best passages for ``query`` among those the filters allow (and not quarantined, unless
    ``settings.include_quarantined``). ``k`` must be 1..MAX_K (ValueError)."""
    if k is not None and not (isinstance(k, int) and 1 <= k <= MAX_K):
        raise ValueError(f"k must be a whole number from 1 to {MAX_K}, not {k!r}")
    k = k or settings.k
    as_of = as_of or newest_date(index)
    asked = constraints(query)
    intent = parse_time(query, as_of) if as_of else None
    if intent is None and as_of and settings.newest_first_weight and not asked.dated:
        intent = NEWEST_FIRST
    mask = filters.allowed(index)
    if not settings.include_quarantined and index.quarantined.any():
        mask = ~index.quarantined if mask is None else mask & ~index.quarantined
    if len(index) == 0 or (mask is not None and not mask.any()):
        return Retrieval([], query, as_of, intent)
    query_vector = embedder.embed_one(query)
    if hasattr(index, "search_candidates"):  # a store that searches itself (rag.index.milvus_store)
        found = index.search_candidates(query_vector, query, settings.candidates, filters)
    else:
        found = _candidates(index, query_vector, query, mask, settings)
    fused = fuse(found, settings)
    if mask is not None:  # Milvus filters sources and dates itself; quarantine is left to this mask
        fused = {row: value for row, value in fused.items() if mask[row]}
    if not fused:
        return Retrieval([], query, as_of, intent)
    rows = np.array(sorted(fused), dtype=np.int64)
    vectors = index.vectors(rows)
    dense = vectors @ query_vector
    lexical = dict(zip(found.rows.tolist(), found.lexical.tolist()))
    score = np.array([fused[r] for r in rows])
    score = score / score.max()
    if intent:
        fit = np.array([intent.score(index.article_of(r).published, as_of) for r in rows])
        if intent is NEWEST_FIRST:
            # Scaled, not added to: an unrelated page of the asked week must not rise over an older one that
            # tells the story.
            score = score * ((1 - settings.newest_first_weight) + settings.newest_first_weight * fit)
        else:
            score = (1 - settings.recency_weight) * score + settings.recency_weight * fit
    if asked or asked.entities:
        score = score + np.array([_agreement(index, int(r), asked, settings) for r in rows])
    chosen = sorted(_diversify(index, rows, score, vectors, k, settings), key=lambda i: -score[i])
    hits = [index.hit(int(rows[i]), score[i], dense[i], lexical[int(rows[i])]) for i in chosen]
    return Retrieval(hits, query, as_of, intent)


def _agreement(index: Index, row: int, asked: Constraints, settings: RetrieveSettings) -> float:
    """The boost of a passage that names the question's year, quarter, edition or qualifier (negative for one
    naming another), and the share of the question's names it holds, title included."""
    article = index.article_of(row)
    text = f"{article.title}\n{index.chunk_text(row)}"
    boost = settings.constraint_boost * asked.agreement(text, article.published)
    if asked.entities:
        lowered = text.lower()
        named = sum(1 for e in asked.entities if e.lower() in lowered)
        boost += settings.entity_boost * named / len(asked.entities)
    return boost


def newest_date(index: Index) -> date | None:
    return max((a.published for a in index.articles if a.published), default=None)


def _candidates(index: Index, query_vector: np.ndarray, query: str, mask: np.ndarray | None,
                settings: RetrieveSettings) -> Candidates:
    """The top dense and BM25 rows the mask allows, each scored by both searches."""
    dense_rows = _dense_candidates(index, query_vector, settings.candidates, mask, settings)
    lexical = index.lexical.scores(query)
    if mask is not None:
        lexical = np.where(mask, lexical, 0.0)
    return Candidates.of(dense_rows, _top(lexical, settings.candidates),
                         lambda rows: index.vectors(rows) @ query_vector, lambda rows: lexical[rows])


def _dense_candidates(index: Index, query_vector: np.ndarray, n: int, mask: np.ndarray | None,
                      settings: RetrieveSettings) -> list[int]:
    q = query_vector.reshape(1, -1).astype(np.float32)
    hnsw = isinstance(index.dense, faiss.IndexHNSWFlat)
    if mask is None:
        params = faiss.SearchParametersHNSW(efSearch=settings.hnsw_ef_search) if hnsw else None
        _, ids = index.dense.search(q, min(n, len(index)), params=params)
        return [int(i) for i in ids[0] if i >= 0]
    allowed = np.flatnonzero(mask)
    if hnsw and len(allowed) < settings.exact_filter_share * len(index):
        # A graph search through a small allowed set misses neighbours: score the allowed rows exactly.
        scores = index.vectors(allowed) @ query_vector
        return [int(allowed[i]) for i in _top(scores, n, positive_only=False)]
    selector = faiss.IDSelectorBatch(allowed.astype(np.int64))
    params = (faiss.SearchParametersHNSW(sel=selector, efSearch=settings.hnsw_ef_search) if hnsw
              else faiss.SearchParameters(sel=selector))
    _, ids = index.dense.search(q, min(n, len(allowed)), params=params)
    return [int(i) for i in ids[0] if i >= 0]


def _top(scores: np.ndarray, n: int, positive_only: bool = True) -> list[int]:
    if positive_only:
        candidates = np.flatnonzero(scores > 0)
    else:
        candidates = np.arange(len(scores))
    if len(candidates) > n:
        candidates = candidates[np.argpartition(-scores[candidates], n)[:n]]
    return [int(i) for i in candidates[np.argsort(-scores[candidates], kind="stable")]]


def _diversify(index: Index, rows: np.ndarray, score: np.ndarray, vectors: np.ndarray, k: int,
               settings: RetrieveSettings) -> list[int]:
    """Positions in ``rows`` chosen by maximal marginal relevance, at most ``max_per_article`` per article."""
    chosen: list[int] = []
    per_article: dict[int, int] = {}
    remaining = list(np.argsort(-score, kind="stable"))
    while remaining and len(chosen) < k:
        best, best_value = None, -np.inf
        for i in remaining:
            if per_article.get(index.chunk_article[rows[i]], 0) >= settings.max_per_article:
                continue
            redundancy = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
            value = settings.mmr_lambda * score[i] - (1 - settings.mmr_lambda) * redundancy
            if value > best_value:
                best, best_value = i, value
        if best is None:
            break
        chosen.append(best)
        remaining.remove(best)
        article = index.chunk_article[rows[best]]
        per_article[article] = per_article.get(article, 0) + 1
    return chosen
