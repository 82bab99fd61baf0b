"""Lexical (BM25) search with bm25s: words lower-cased, English stop words dropped, Snowball-stemmed.

Names and figures survive tokenisation ("ConsultMyApp" -> "consultmyapp", "$100" -> "100"), which
is what lets rare exact terms be found when the dense model blurs them.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from ..config import LexicalSettings

_WORD = re.compile(r"(?u)\b\w+\b")
_STOPWORDS = frozenset(bm25s.stopwords.STOPWORDS_EN) | {
    "did", "does", "said", "say", "says", "why", "what", "who", "whom", "whose", "how", "when", "where", "which",
}


@lru_cache(maxsize=1)
def _stemmer():
    return Stemmer.Stemmer("english")


def terms(text: str) -> list[str]:
    """The index terms of ``text``, in order (repeats kept)."""
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())]
    return _stemmer().stemWords(words)


# Periods news writes both ways, "Q1" and "first quarter": as index terms, the abbreviation and its
# spelled-out pair of terms.
_SPELLED_OUT = {
    "q1": ("first", "quarter"), "q2": ("second", "quarter"), "q3": ("third", "quarter"), "q4": ("fourth", "quarter"),
    "h1": ("first", "half"), "h2": ("second", "half"),
}
_ABBREVIATED = {pair: short for short, pair in _SPELLED_OUT.items()}


def with_equivalents(found: list[str]) -> list[str]:
    """``found`` terms plus the other way of writing each period they name: "q1" adds "first" and
    "quarter", the pair "first" "quarter" adds "q1". For a query and for what a passage covers."""
    extra = [t for term in found for t in _SPELLED_OUT.get(term, ())]
    extra += [_ABBREVIATED[pair] for pair in zip(found, found[1:]) if pair in _ABBREVIATED]
    return found + extra


class LexicalIndex:
    """BM25 over the chunks of an index; row i is chunk row i."""

    def __init__(self, model: bm25s.BM25, size: int):
        self._model = model
        self.size = size
        self._vocab = model.vocab_dict
        self._df = np.diff(model.scores["indptr"])  # chunks containing each term (CSC columns)

    @classmethod
    def build(cls, texts: list[str], settings: LexicalSettings = LexicalSettings()) -> "LexicalIndex":
        model = bm25s.BM25(k1=settings.k1, b=settings.b)
        # bm25s cannot index nothing: an emptied index keeps one placeholder row that no query reaches.
        model.index([terms(t) or ["_empty_"] for t in texts] or [["_empty_"]], show_progress=False)
        return cls(model, len(texts))

    def save(self, folder: Path) -> None:
        self._model.save(str(folder))

    @classmethod
    def load(cls, folder: Path, size: int) -> "LexicalIndex":
        return cls(bm25s.BM25.load(str(folder)), size)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for ``query`` (zeros where no query term occurs)."""
        known = [t for t in with_equivalents(terms(query)) if t in self._vocab]
        if not known or not self.size:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)

    def idf(self, term: str) -> float | None:
        """Inverse document frequency of an index term (BM25's), None when no chunk contains it."""
        if term not in self._vocab:
            return None
        df = int(self._df[self._vocab[term]])
        return self._idf(df) if df else None

    def unseen_idf(self) -> float:
        """The weight of a term no chunk contains: above that of the rarest term the index has."""
        return self._idf(1) + 1.0

    def _idf(self, df: int) -> float:
        return float(np.log(1 + (self.size - df + 0.5) / (df + 0.5)))
