"""How well a passage sentence supports a claim or answers a question.

Two signals, both cheap on a CPU: cosine similarity of sentence embeddings, and the IDF-weighted
share of the claim's index terms that the sentence (with its neighbours) contains. Used to pick
extractive answer sentences, to choose the quote of a citation, and to verify generated claims.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ..config import GroundingSettings
from ..index.embed import Embedder
from ..index.lexical import LexicalIndex, terms, with_equivalents
from ..question.focus import Focus
from ..text import FIGURE, split_sentences
from ..types import Hit

# Words that frame a question rather than say what it is about ("HOW MUCH did ...", "the NAME of ...").
_QUESTION_FRAME = frozenset(terms("much many name roughly approximately exactly"))
_PLAIN_WORD = re.compile(r"[^\W\d_]{3,}")


@dataclass(frozen=True)
class ScoredSentence:
    passage: int  # position in the passages given
    start: int  # span in the passage text
    end: int
    text: str
    dense: float
    lexical: float
    score: float  # GroundingSettings.dense_share of ``dense``, the rest ``lexical``


class SupportScorer:
    """Scores passage sentences against a text; caches sentence embeddings per passage."""

    def __init__(self, embedder: Embedder, lexical: LexicalIndex, settings: GroundingSettings = GroundingSettings(),
                 cache_size: int = 2048):
        self.embedder = embedder
        self.lexical = lexical
        self.settings = settings
        self._cache: OrderedDict[str, tuple[list[tuple[int, int]], np.ndarray]] = OrderedDict()
        self._cache_size = cache_size
        self._words: OrderedDict[str, np.ndarray] = OrderedDict()  # single-word embeddings, for ``mentions``
        self._words_size = 50 * cache_size

    def sentences(self, text: str, passages: list[Hit]) -> list[ScoredSentence]:
        """Every sentence of every passage, scored against ``text``."""
        query_vector = self.embedder.embed_one(text)
        weights = self.term_weights(text)
        total = sum(weights.values()) or 1.0
        share = self.settings.dense_share
        scored = []
        for p, hit in enumerate(passages):
            spans, vectors = self._sentence_vectors(hit)
            dense = vectors @ query_vector if len(spans) else []
            stems = [set(terms(hit.text[a:b])) for a, b in spans]
            for i, (a, b) in enumerate(spans):
                # Neighbouring sentences count half: "He said..." continues the sentence before.
                near = stems[i] | (stems[i - 1] if i else set()) | (stems[i + 1] if i + 1 < len(spans) else set())
                lexical = sum(w * (1.0 if t in stems[i] else 0.5 if t in near else 0.0) for t, w in weights.items())
                lexical /= total
                scored.append(ScoredSentence(p, a, b, hit.text[a:b], float(dense[i]), lexical,
                                             share * float(dense[i]) + (1 - share) * lexical))
        return scored

    def best_support(self, claim: str, hit: Hit) -> ScoredSentence | None:
        """The sentence of ``hit`` that best supports ``claim``."""
        return max(self.sentences(claim, [hit]), key=lambda s: s.score, default=None)

    def term_weights(self, text: str) -> dict[str, float]:
        """IDF of each distinct index term of ``text``; a term the index has never seen weighs most."""
        unseen = self.lexical.unseen_idf()
        return {t: (self.lexical.idf(t) or unseen) for t in dict.fromkeys(terms(text)) if t not in _QUESTION_FRAME}

    def coverage(self, text: str, passages: list[Hit], optional: str = "") -> float:
        """IDF-weighted share of the terms of ``text`` found in the passages (titles included)."""
        return self.coverage_in(text, [f"{hit.title}\n{hit.text}" for hit in passages], optional)

    def coverage_in(self, text: str, documents: list[str], optional: str = "") -> float:
        """IDF-weighted share of the terms of ``text`` found in ``documents``; the terms of ``optional`` (words
        of ``text`` whose absence says nothing) count only when found."""
        weights = self.term_weights(text)
        found = set()
        for document in documents:
            found |= set(with_equivalents(terms(document)))
        unasked = set(terms(optional)) - found
        weights = {t: w for t, w in weights.items() if t not in unasked}
        if not weights:
            return 0.0
        return sum(w for t, w in weights.items() if t in found) / sum(weights.values())

    def mentions(self, focus: Focus, text: str) -> bool:
        """Whether ``text`` names ``focus`` (as an index term, or a word of the same meaning); in a
        sentence that gives a figure when the focus asks for one."""
        parts = [text[a:b] for a, b in split_sentences(text)] if focus.with_figure else [text]
        parts = [p for p in parts if not focus.with_figure or FIGURE.search(p)]
        wanted = {t for w in focus.words for t in terms(w)}
        if any(wanted & set(terms(p)) for p in parts):
            return True
        vocabulary = sorted({w.lower() for p in parts for w in _PLAIN_WORD.findall(p)})
        if not vocabulary:
            return False
        similar = (self._word_vectors(vocabulary) @ self._word_vectors(list(focus.words)).T).max(axis=1)
        return bool(similar.max() >= self.settings.same_meaning)

    def _word_vectors(self, words: list[str]) -> np.ndarray:
        missing = [w for w in dict.fromkeys(words) if w not in self._words]
        fresh = dict(zip(missing, self.embedder.embed(missing))) if missing else {}
        vectors = np.stack([fresh[w] if w in fresh else self._words[w] for w in words])
        self._words.update(fresh)
        while len(self._words) > self._words_size:
            self._words.popitem(last=False)
        return vectors

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
