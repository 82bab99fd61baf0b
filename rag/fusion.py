"""Fusing the dense and the BM25 search into one score a passage: convex combination or reciprocal rank.

Both stores hand over the same ``Candidates``: the rows each search ranked (its top ``candidates``), and
both searches' scores for every one of those rows, so a passage one search ranked and the other did not is
still scored by both.

``convex`` (the default) adds the two scores, each scaled to 0..1 over the candidates, in proportion to
the weights: a passage the dense model finds far closer than the rest keeps its lead even when BM25 ranks
it low. Reciprocal rank fusion (``rrf``) sees only ranks: it lifted passages that both searches ranked
in the middle above one that either search put first but the other outside its list, which is how a short
paragraph that answers a question in other words lost to long pages sharing its words. Bruch et al. ("An
Analysis of Fusion Functions for Hybrid Retrieval", 2023) found the same: convex fusion beats RRF in and
out of domain and is not sensitive to its weight. Measured here in benchmarks/README.md ("Fusion").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import RetrieveSettings

FUSIONS = ("convex", "rrf")


@dataclass(frozen=True)
class Candidates:
    """The passages the two searches found: ``rows`` (chunk rows, each once) with the dense (cosine) and
    BM25 score of each, and each search's own ranking (its rows, best first)."""

    rows: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray
    dense_ranked: tuple[int, ...]
    lexical_ranked: tuple[int, ...]

    @classmethod
    def of(cls, dense_ranked, lexical_ranked, dense_of, lexical_of) -> Candidates:
        """Candidates of two ranked row lists; ``dense_of``/``lexical_of`` score an array of rows."""
        rows = np.array(sorted(set(dense_ranked) | set(lexical_ranked)), dtype=np.int64)
        return cls(rows, np.asarray(dense_of(rows), dtype=np.float32), np.asarray(lexical_of(rows), dtype=np.float32),
                   tuple(dense_ranked), tuple(lexical_ranked))


def fuse(candidates: Candidates, settings: RetrieveSettings) -> dict[int, float]:
    """Each candidate row's fused score (higher is better; only the order and the ratios to the best matter)."""
    if settings.fusion == "rrf":
        return reciprocal_rank(candidates, settings)
    if settings.fusion == "convex":
        return convex(candidates, settings)
    raise ValueError(f"fusion must be one of {', '.join(FUSIONS)}, not {settings.fusion!r}")


def convex(candidates: Candidates, settings: RetrieveSettings) -> dict[int, float]:
    """``dense_weight`` x dense + ``lexical_weight`` x BM25, each scaled to 0..1 over the candidates.

    Cosine is scaled min to max; BM25 by its best score alone, since 0 (no query term) is its true floor.
    """
    total = settings.dense_weight + settings.lexical_weight
    if not len(candidates.rows) or total <= 0:
        return {}
    dense = _min_max(candidates.dense)
    best = float(candidates.lexical.max())
    lexical = candidates.lexical / best if best > 0 else np.zeros_like(candidates.lexical)
    # A small floor keeps every candidate's score positive: later steps divide by the best and add boosts.
    fused = (settings.dense_weight * dense + settings.lexical_weight * lexical) / total + 1e-6
    return {int(row): float(value) for row, value in zip(candidates.rows, fused)}


def reciprocal_rank(candidates: Candidates, settings: RetrieveSettings) -> dict[int, float]:
    """Each list's weight / (``rrf_k`` + rank), summed over the lists that ranked the row."""
    fused: dict[int, float] = {}
    for weight, ranked in ((settings.dense_weight, candidates.dense_ranked),
                           (settings.lexical_weight, candidates.lexical_ranked)):
        for rank, row in enumerate(ranked):
            fused[row] = fused.get(row, 0.0) + weight / (settings.rrf_k + rank + 1)
    return fused


def _min_max(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.ones_like(values)
