"""Small typed value objects passed between the steps of the pipeline.

load -> ``Document`` -> clean -> ``Article`` -> chunk -> ``Chunk`` -> store/retrieve -> ``Hit``
-> answer -> ``Answer`` (with ``Citation`` objects pointing at shown ``Hit`` passages).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Problem:
    """A file or record that could not be used, with the reason; reported, never fatal."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class Document:
    """One article as read from disk, before cleaning.

    ``kind`` says how ``body`` must be cleaned: ``html`` (a whole page), ``text`` (plain text or
    markdown, possibly a scraped page with chrome around the story) or ``record`` (a field of a
    structured record, already clean). ``meta`` holds whatever metadata the file itself declared.
    """

    id: str
    path: str
    kind: str
    body: str
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Article:
    """A cleaned article: the text is kept verbatim so answers can quote it."""

    id: str
    title: str
    text: str
    source: str = ""
    published: date | None = None
    url: str = ""
    author: str = ""
    category: str = ""
    path: str = ""
    content_hash: str = ""
    quarantine: str = ""  # why the text reads as instructions to the assistant; such articles stay out of answers


@dataclass(frozen=True)
class Duplicate:
    """An article left out of the index because another copy of it was kept."""

    article_id: str
    kept_id: str
    path: str
    reason: str  # "exact" or "near (jaccard 0.87)"
    title: str = ""  # kept so evidence naming the dropped copy by title or url finds the kept one
    url: str = ""
    source: str = ""  # who else ran the story: "Which outlets carried it?" is answered from these
    published: date | None = None


@dataclass(frozen=True)
class Chunk:
    """A passage of an article: ``text == article.text[start:end]``."""

    id: str  # "<article_id>#<ordinal>"
    article_id: str
    ordinal: int
    text: str
    start: int
    end: int
    n_tokens: int


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with the metadata of its article, as shown to a user."""

    chunk_id: str
    article_id: str
    title: str
    source: str
    published: date | None
    url: str
    text: str
    start: int
    end: int
    score: float
    dense_score: float = 0.0
    lexical_score: float = 0.0


@dataclass(frozen=True)
class Citation:
    """The n-th source of an answer: a shown passage and the sentence quoted from it.

    ``quote`` is verbatim ``hit.text[quote_start:quote_end]``; ``verified`` says the cited
    passage was checked to support the answer sentence that cites it.
    """

    n: int
    hit: Hit
    quote: str
    quote_start: int
    quote_end: int
    verified: bool = True


@dataclass(frozen=True)
class Answer:
    """What Newsdesk says to a question: text with [n] markers, and the sources behind them."""

    question: str
    text: str
    abstained: bool
    citations: list[Citation]
    passages: list[Hit]
    backend: str = "extractive"
    retrieval_query: str = ""
    latency_ms: float = 0.0
    notes: list[str] = field(default_factory=list)
    abstain_reason: str = ""  # why the passages were judged not to answer, in words for the reader

    def citation(self, n: int) -> Citation | None:
        """The citation numbered ``n``, or None."""
        return next((c for c in self.citations if c.n == n), None)


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation, for follow-up questions."""

    question: str
    answer: str
