"""The extractive backend: the answer is 1-4 sentences quoted verbatim from the passages.

Every sentence of the retrieved passages is scored against the question (embedding similarity and
IDF-weighted term overlap, see ``rag.support``), with a small prior for better-ranked passages. The
best sentence leads; others follow when they score close to it and add something new. No model
beyond the embedder, so it is always available and fast.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..types import Hit, Turn
from .base import AnswerBackend

MIN_WORDS = 5
CLOSE_TO_BEST = 0.85  # a further sentence must score at least this share of the best one
REDUNDANT = 0.8  # word overlap above which a sentence repeats one already chosen
TYPE_BONUS = 0.08  # for a sentence holding the kind of thing the question asks for

# Question word -> what an answer sentence to it usually contains. A general QA prior, not tuned per question.
_ANSWER_TYPES = [
    (re.compile(r"^\s*why\b|\bwhat (?:was|is) the reason\b|\bwhat (?:led|prompted|caused)\b", re.I),
     re.compile(r"\b(because|after|due to|as a result|in response|following|since|so that|reason|amid|"
                r"comes after|blamed|led to|prompted)\b", re.I)),
    (re.compile(r"\bhow (?:much|many)\b|\bwhat (?:price|percentage|share|figure|amount|number)\b|\bcost\b", re.I),
     re.compile(r"[$£€]\s?\d|\d+(?:\.\d+)?\s?(?:%|per ?cent|bn|billion|million|m\b)|\b\d[\d,]*\b")),
    (re.compile(r"^\s*when\b|\bwhat (?:year|date|day|month)\b", re.I),
     re.compile(r"\b(?:19|20)\d{2}\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d|"
                r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|last week)\b", re.I)),
    (re.compile(r"^\s*who\b|\bwhich (?:person|company|firm|outlet)\b", re.I),
     re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)+\b")),
]

class ExtractiveBackend(AnswerBackend):
    name = "extractive"
    description = "Quotes the best-matching sentences; no language model."

    def generate(self, question: str, passages: Sequence[Hit], history: Sequence[Turn] = ()) -> Iterator[str]:
        max_sentences = int(self.context.options.get("max_sentences", 3))
        for i, sentence in enumerate(self.select(question, passages, max_sentences)):
            yield ("" if i == 0 else " ") + f"{_as_sentence(sentence.text)} [{sentence.passage + 1}]"

    def select(self, question: str, passages: Sequence[Hit], max_sentences: int = 3):
        scored = [s for s in self.context.scorer.sentences(question, list(passages)) if _answer_like(s.text)]
        if not scored:
            return []
        wanted = [answer for asks, answer in _ANSWER_TYPES if asks.search(question)]

        def value(s) -> float:
            typed = TYPE_BONUS if any(w.search(s.text) for w in wanted) else 0.0
            return s.score + typed + 0.05 / (s.passage + 1)  # better-ranked passages first among equals

        ranked = sorted(scored, key=lambda s: -value(s))
        best = value(ranked[0])
        chosen = [ranked[0]]
        for s in ranked[1:]:
            if len(chosen) >= max_sentences or value(s) < CLOSE_TO_BEST * best:
                break
            if any(_overlap(s.text, c.text) > REDUNDANT for c in chosen):
                continue
            chosen.append(s)
        return chosen


def _answer_like(text: str) -> bool:
    # Headings and questions ("What is this spat about?") answer nothing.
    return len(text.split()) >= MIN_WORDS and not text.rstrip("\"'”’").endswith("?")


def _as_sentence(text: str) -> str:
    return " ".join(text.split())


def _overlap(a: str, b: str) -> float:
    wa, wb = set(a.lower().split()), set(b.lower().split())
    return len(wa & wb) / max(1, min(len(wa), len(wb)))
