"""How well a passage sentence supports a claim or answers a question.

Two signals, both cheap on a CPU: cosine similarity of sentence embeddings, and the IDF-weighted
share of the claim's index terms that the sentence (with its neighbours) contains. Used to pick
extractive answer sentences, to choose the quote of a citation, and to verify generated claims.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from .embed import Embedder
from .lexical import LexicalIndex, terms
from .sentences import split_sentences
from .types import Hit

DENSE_SHARE = 0.6


@dataclass(frozen=True)
class ScoredSentence:
    passage: int  # position in the passages given
    start: int  # span in the passage text
    end: int
    text: str
    dense: float
    lexical: float

    @property
    def score(self) -> float:
        return DENSE_SHARE * self.dense + (1 - DENSE_SHARE) * self.lexical


class SupportScorer:
    """Scores passage sentences against a text; caches sentence embeddings per passage."""

    def __init__(self, embedder: Embedder, lexical: LexicalIndex, cache_size: int = 2048):
        self.embedder = embedder
        self.lexical = lexical
        self._cache: OrderedDict[str, tuple[list[tuple[int, int]], np.ndarray]] = OrderedDict()
        self._cache_size = cache_size

    def sentences(self, text: str, passages: list[Hit]) -> list[ScoredSentence]:
        """Every sentence of every passage, scored against ``text``."""
        query_vector = self.embedder.embed_one(text)
        weights = self.term_weights(text)
        total = sum(weights.values()) or 1.0
        scored = []
        for p, hit in enumerate(passages):
            spans, vectors = self._sentence_vectors(hit)
            dense = vectors @ query_vector if len(spans) else []
            stems = [set(terms(hit.text[a:b])) for a, b in spans]
            for i, (a, b) in enumerate(spans):
                # Neighbouring sentences count half: "He said..." continues the sentence before.
                near = stems[i] | (stems[i - 1] if i else set()) | (stems[i + 1] if i + 1 < len(spans) else set())
                lexical = sum(w * (1.0 if t in stems[i] else 0.5 if t in near else 0.0) for t, w in weights.items())
                scored.append(ScoredSentence(p, a, b, hit.text[a:b], float(dense[i]), lexical / total))
        return scored

    def best_support(self, claim: str, hit: Hit) -> ScoredSentence | None:
        """The sentence of ``hit`` that best supports ``claim``."""
        return max(self.sentences(claim, [hit]), key=lambda s: s.score, default=None)

    def term_weights(self, text: str) -> dict[str, float]:
        """IDF of each distinct index term of ``text``; a term the index has never seen weighs most."""
        unseen = self._max_idf()
        return {t: (self.lexical.idf(t) or unseen) for t in dict.fromkeys(terms(text))}

    def coverage(self, text: str, passages: list[Hit]) -> float:
        """IDF-weighted share of the terms of ``text`` found in the passages (titles included)."""
        weights = self.term_weights(text)
        if not weights:
            return 0.0
        found = set()
        for hit in passages:
            found |= set(terms(f"{hit.title}\n{hit.text}"))
        return sum(w for t, w in weights.items() if t in found) / sum(weights.values())

    def _max_idf(self) -> float:
        n = self.lexical.size
        return float(np.log(1 + (n - 1 + 0.5) / 1.5)) + 1.0

    def _sentence_vectors(self, hit: Hit) -> tuple[list[tuple[int, int]], np.ndarray]:
        key = f"{hit.chunk_id}:{hash(hit.text)}"
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        spans = split_sentences(hit.text)
        vectors = self.embedder.embed([hit.text[a:b] for a, b in spans]) if spans else np.zeros((0, self.embedder.dimension))
        self._cache[key] = (spans, vectors)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return spans, vectors
