"""Ask a question of the index: retrieve, check the evidence, answer, verify citations (orchestration only).

``Newsdesk`` holds what is costly to load (the index, the embedder, the backends) and reloads the
index when a rebuild made a new version live. ``ask`` is the one-call entry point for scripts.
"""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from .answer import BackendContext, get_backend
from .answer.outlets import asks_for_outlets, outlets_answer
from .answer.prompts import NOT_COVERED
from .config import AnswerSettings, RetrieveSettings
from .errors import IndexIncompatibleError
from .grounding.cite import check_citations
from .grounding.evidence import Evidence, weigh_evidence
from .grounding.scorer import SupportScorer
from .index.embed import Embedder, get_embedder, resolve_model, resolve_precision
from .index.lexical import terms
from .index.store import Index
from .index.stores import (
    Target,
    as_target,
    default_target,
    live_version,
    open_store,
    resolved,
)
from .question.reading import read_question
from .retrieve import Filters, Retrieval, retrieve
from .types import Answer, Hit, Turn


@dataclass
class _Loaded:
    """One index version with what is built on it. Swapped whole, so a question never mixes versions."""

    index: Index
    embedder: Embedder
    scorer: SupportScorer
    backends: dict = field(default_factory=dict)


class Newsdesk:
    """Questions over one index folder. Cheap to ask many times; safe to share between threads."""

    def __init__(self, index_dir: str | Path | None = None, *, model: str | None = None,
                 precision: str | None = None, retrieve_settings: RetrieveSettings = RetrieveSettings(),
                 answer_settings: AnswerSettings = AnswerSettings()):
        self.index_dir: Target = as_target(index_dir) if index_dir else default_target()
        self.retrieve_settings = retrieve_settings
        self.answer_settings = answer_settings
        self._model = model
        self._precision = precision
        self._lock = threading.Lock()
        self._live = self._load()

    def _load(self) -> _Loaded:
        index = open_store(self.index_dir)
        if self._model and resolve_model(self._model)[0] != index.model:
            raise IndexIncompatibleError(
                f"index at {self.index_dir} was built with model '{index.model}', not "
                f"'{resolve_model(self._model)[0]}'; rebuild it with: rag index build <articles> "
                f"--index {self.index_dir} --model {self._model}"
            )
        if self._precision and resolve_precision(self._precision) != index.precision:
            raise IndexIncompatibleError(
                f"index at {self.index_dir} was embedded in {index.precision}, not "
                f"{resolve_precision(self._precision)}; rebuild it with: rag index build <articles> "
                f"--index {self.index_dir} --precision {resolve_precision(self._precision)}"
            )
        # Questions are embedded as the index was: vectors of two precisions are not compared.
        embedder = get_embedder(index.model, index.precision)
        return _Loaded(index, embedder, SupportScorer(embedder, index.lexical, self.answer_settings.grounding))

    @property
    def index(self) -> Index:
        return self._live.index

    @property
    def embedder(self) -> Embedder:
        return self._live.embedder

    @property
    def scorer(self) -> SupportScorer:
        return self._live.scorer

    def refresh(self) -> bool:
        """Load the live version if a build replaced it since; True when it did."""
        with self._lock:
            live = live_version(self.index_dir)
            if live is not None and live != self._live.index.folder:
                self._live = self._load()
                return True
        return False

    def backend(self, name: str | None = None, live: _Loaded | None = None):
        """The answer backend ``name`` (default: the configured one), built once per index version."""
        live = live or self._live
        name = name or self.answer_settings.backend
        if name not in live.backends:
            live.backends[name] = get_backend(name, BackendContext(live.scorer, self.answer_settings))
        return live.backends[name]

    def retrieve(self, query: str, *, k: int | None = None, sources: Sequence[str] = (),
                 since: date | None = None, until: date | None = None, as_of: date | None = None,
                 live: _Loaded | None = None) -> Retrieval:
        live = live or self._live
        filters = Filters(tuple(sources), since, until)
        return retrieve(live.index, live.embedder, query, k=k, filters=filters, as_of=as_of,
                        settings=self.retrieve_settings)

    def evidence(self, question: str, hits: Sequence[Hit], live: _Loaded | None = None,
                 asked: str | None = None) -> Evidence:
        """How well ``hits`` can answer ``question`` (see ``rag.grounding.evidence``)."""
        live = live or self._live
        return weigh_evidence(question, hits, live.index, live.scorer, asked, self.answer_settings)

    def neighbours(self, hits: Sequence[Hit], n: int, live: _Loaded | None = None) -> list[Hit]:
        """Up to ``n`` passages of the best hit's article that sit next to its retrieved ones, in article order.

        Retrieval keeps at most two passages an article; the sentence that answers may be in the one
        before or after them.
        """
        if not hits or n <= 0:
            return []
        index = (live or self._live).index
        article = hits[0].article_id
        shown = {h.chunk_id for h in hits}
        rows = [index.chunk_row[h.chunk_id] for h in hits if h.article_id == article]
        near = sorted({r + d for r in rows for d in (-1, 1)}, key=lambda r: (min(abs(r - x) for x in rows), r))
        extra = [r for r in near if 0 <= r < len(index) and index.chunk_ids[r] not in shown
                 and index.article_of(r).id == article][:n]
        return [index.hit(r, 0.0) for r in sorted(extra)]

    def ask(self, question: str, **options) -> Answer:
        """Answer ``question``; options as for ``stream``."""
        answer = None
        for piece in self.stream(question, **options):
            if isinstance(piece, Answer):
                answer = piece
        return answer

    def stream(self, question: str, *, k: int | None = None, sources: Sequence[str] = (),
               since: date | None = None, until: date | None = None, as_of: date | None = None,
               backend: str | None = None, history: Sequence[Turn] = ()) -> Iterator[str | Answer]:
        """Yield the answer text in pieces as it is produced, then the final, checked ``Answer``.

        The final answer may differ from the pieces: unverifiable citations are removed or moved.
        """
        started = time.perf_counter()
        question = readable(question)
        self.refresh()
        live = self._live
        generator = self.backend(backend, live)
        if not history and not terms(_CODE.sub(" ", question)):
            yield NOT_COVERED
            yield replace(self._answer(question, question, NOT_COVERED, True, [], [], generator.name, started, []),
                          abstain_reason="The question has no words to search for (only stop words, "
                                         "punctuation or code).")
            return
        query = generator.rewrite(question, history) if history else question
        retrieval = self.retrieve(query, k=k, sources=sources, since=since, until=until, as_of=as_of, live=live)
        hits = retrieval.hits
        evidence = self.evidence(query, hits, live, asked=question)
        notes = [f"time: {retrieval.time.phrase} (as of {retrieval.as_of})"] if retrieval.time else []
        if not evidence.sufficient(self.answer_settings):
            yield NOT_COVERED
            answer = self._answer(question, query, NOT_COVERED, True, [], hits, generator.name, started,
                                  notes + [f"evidence too weak: {evidence}"])
            yield replace(answer, abstain_reason=evidence.reason(self.answer_settings))
            return
        hits = hits + self.neighbours(hits, generator.neighbour_passages, live)
        notes += _quarantine_warnings(hits, live.index)
        if asks_for_outlets(question):
            # Who ran a story is metadata, not something a passage says: answered the same by every backend.
            found = outlets_answer(query, hits, live.index, live.scorer)
            if found is not None:
                text, citations = found
                yield text
                yield self._answer(question, query, text, False, citations, hits, "metadata", started,
                                   notes + ["answered from the articles' sources and their recorded copies"])
                return
        pieces = []
        for piece in generator.generate(question, hits, history):
            pieces.append(piece)
            yield piece
        checked = check_citations("".join(pieces), hits, live.scorer)
        if not checked.abstained and checked.supported == 0 and generator.name != "extractive":
            # Nothing the model said could be traced to a passage: quote the passages instead.
            raw = "".join(self.backend("extractive", live).generate(question, hits, history))
            checked = check_citations(raw, hits, live.scorer)
            checked = replace(checked, notes=checked.notes + ["no generated claim was supported; "
                                                               "showing the extractive answer"])
        answer = self._answer(question, query, checked.text, checked.abstained, checked.citations, hits,
                              generator.name, started, notes + checked.notes)
        yield replace(answer, abstain_reason=_reader_abstention(question, generator.name)) if checked.abstained else answer

    @staticmethod
    def _answer(question, query, text, abstained, citations, hits, backend, started, notes) -> Answer:
        return Answer(question=question, text=text, abstained=abstained, citations=citations, passages=list(hits),
                      backend=backend, retrieval_query=query, latency_ms=(time.perf_counter() - started) * 1000,
                      notes=notes)


# An SQL statement after a quote or semicolon, markup tags and comments are no words of a question:
# "'; DROP TABLE articles;--" asks nothing, while "What was the update from the Vatican?" does.
_CODE = re.compile(r"[;'\"]\s*(?:drop|delete|truncate|insert|update|select|union|alter|create)\b[^;]*"
                   r"|</?[a-z][^>]*>|--\s*$|/\*.*?\*/", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def readable(question: str) -> str:
    """The question as valid text: bytes that were not UTF-8 (a shell's $'\\xff') become U+FFFD and
    control characters (NUL) spaces, so every later step gets text it can encode."""
    try:
        raw = question.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = question.encode("utf-8", "replace")
    return _CONTROL.sub(" ", raw.decode("utf-8", "replace"))


def _reader_abstention(question: str, backend: str) -> str:
    """Why the reader abstained although the evidence gate let the passages through, in words for the reader."""
    if backend != "extractive":
        return "The passages found were read by the model, and it found no answer in them."
    reading = read_question(question)
    if reading.kind == "yes/no":
        return "No passage found plainly says yes or no to this."
    if reading.constraints:
        return f"No sentence found answers this for what the question names ({reading.constraints.describe()})."
    return "No sentence in the passages found answers this."


def _quarantine_warnings(hits: Sequence[Hit], index: Index) -> list[str]:
    """A warning per quarantined article among the passages (only there when the user let them in)."""
    warned = dict.fromkeys(h.article_id for h in hits
                           if index.articles[index.article_row[h.article_id]].quarantine)
    return [f"warning: '{article_id}' is quarantined ({index.articles[index.article_row[article_id]].quarantine}); "
            "its text may be planted instructions" for article_id in warned]


_open: dict[Target, Newsdesk] = {}


def ask(question: str, index_dir: str | Path | None = None, **options) -> Answer:
    """Answer ``question`` from the index in ``index_dir`` (default ``$RAG_STORE``, ``$RAG_INDEX_DIR`` or ./index).

    Options: ``k``, ``sources``, ``since``, ``until``, ``as_of``, ``backend``, ``history``.
    """
    key = resolved(as_target(index_dir) if index_dir else default_target())
    if key not in _open:
        _open[key] = Newsdesk(key)
    return _open[key].ask(question, **options)
