"""What the chat remembers: the options a question was asked with, and each answered turn."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ..index.store import Index
from ..types import Answer, Citation, Hit, Turn


@dataclass(frozen=True)
class AskOptions:
    """The sidebar's choices, as ``Newsdesk.stream`` takes them."""

    backend: str
    k: int
    sources: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None

    def as_kwargs(self) -> dict:
        return {"backend": self.backend, "k": self.k, "sources": self.sources, "since": self.since,
                "until": self.until}

    def describe(self) -> str:
        """One line for the transcript, e.g. ``extractive, 5 passages, sources: BBC; from 2025-02-01``."""
        parts = [self.backend, f"{self.k} passages"]
        if self.sources:
            parts.append("sources: " + "; ".join(self.sources))
        if self.since:
            parts.append(f"from {self.since.isoformat()}")
        if self.until:
            parts.append(f"until {self.until.isoformat()}")
        return ", ".join(parts)


@dataclass(frozen=True)
class ChatTurn:
    """A question and its answer, with the cited articles' text as it was when answered.

    Keeping the text means a source can still be opened after the index was rebuilt without it.
    """

    question: str
    answer: Answer
    options: AskOptions
    articles: dict[str, str]


@dataclass(frozen=True)
class SourceCard:
    """One passage listed under an answer: the numbers its ``[n]`` markers use and the sentences they cite."""

    hit: Hit
    numbers: tuple[int, ...]
    citations: tuple[Citation, ...] = ()


def source_cards(answer: Answer) -> list[SourceCard]:
    """One card per passage, in the order of first citation: two sentences cited from one passage share it.

    After an abstention, the closest passages, numbered in order.
    """
    if answer.abstained:
        return [SourceCard(hit, (n,)) for n, hit in enumerate(answer.passages, 1)]
    by_passage: dict[str, list[Citation]] = {}
    for c in answer.citations:
        by_passage.setdefault(c.hit.chunk_id, []).append(c)
    return [SourceCard(cited[0].hit, tuple(c.n for c in cited), tuple(cited)) for cited in by_passage.values()]


def listed(answer: Answer) -> list[Hit]:
    """The passages listed under an answer: the cited ones, or the closest ones after an abstention."""
    return answer.passages if answer.abstained else [c.hit for c in answer.citations]


def history_of(turns: Sequence[ChatTurn]) -> list[Turn]:
    """The conversation so far, for follow-up questions."""
    return [Turn(t.question, t.answer.text) for t in turns]


def article_texts(index: Index, hits: Sequence[Hit]) -> dict[str, str]:
    """The full text of each hit's article, when the index still holds the version the hit came from."""
    texts = {}
    for hit in hits:
        row = index.article_row.get(hit.article_id)
        if row is not None and index.articles[row].text[hit.start:hit.end] == hit.text:
            texts[hit.article_id] = index.articles[row].text
    return texts
