"""Ask a question of the index: retrieve, check the evidence, answer, verify citations.

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
from .answer_types import expected_answers
from .cite import check_citations
from .config import AnswerSettings, RetrieveSettings, default_index_dir
from .embed import Embedder, get_embedder, resolve_model
from .errors import IndexIncompatibleError
from .focus import Focus, asked_focus
from .outlets import asks_for_outlets, outlets_answer
from .prompts import NOT_COVERED
from .retrieve import Filters, Retrieval, retrieve
from .store import Index, current_version, open_index
from .support import SupportScorer
from .types import Answer, Hit, Turn


@dataclass(frozen=True)
class Evidence:
    """Whether the passages can answer the question.

    ``best_similarity``: cosine of the best passage; ``coverage``: IDF-weighted share of the question's
    terms found in the passages; ``answer_support``: the best such share within one sentence (and its
    neighbours) that also holds the kind of answer asked for (a figure for "how much", a date for "when").
    """

    best_similarity: float
    coverage: float
    answer_support: float
    missing_names: tuple[str, ...] = ()  # names and numbers of the question found in no passage
    focus: Focus | None = None  # what the question asks about ("deep" in "How deep is the sinkhole?")
    focus_coverage: float = 1.0  # the best coverage of the question by one retrieved article naming the focus

    def sufficient(self, settings: AnswerSettings) -> bool:
        return (self.best_similarity >= settings.min_similarity and self.coverage >= settings.min_coverage
                and self.answer_support >= settings.min_answer_support and not self.missing_names
                and self.focus_coverage >= settings.min_coverage)

    def reason(self, settings: AnswerSettings) -> str:
        """Why the evidence is not enough, for the reader; empty when it is."""
        if self.missing_names:
            return f"No passage found mentions {_join(self.missing_names)}."
        if self.coverage < settings.min_coverage:
            return "The closest passages match too little of the question."
        if self.focus and self.focus_coverage < settings.min_coverage:
            what = "gives a figure for" if self.focus.with_figure else "mentions"
            return f"No article that covers this question {what} “{self.focus.word}”."
        if not self.sufficient(settings):
            return "The closest passages are too far from the question."
        return ""

    def __str__(self) -> str:
        missing = f", not found: {', '.join(self.missing_names)}" if self.missing_names else ""
        focus = f", focus '{self.focus.word}' in an article covering {self.focus_coverage:.2f}" if self.focus else ""
        return (f"similarity {self.best_similarity:.2f}, coverage {self.coverage:.2f}, "
                f"answer support {self.answer_support:.2f}{missing}{focus}")


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
                 retrieve_settings: RetrieveSettings = RetrieveSettings(),
                 answer_settings: AnswerSettings = AnswerSettings(), backend_options: dict | None = None):
        self.index_dir = Path(index_dir) if index_dir else default_index_dir()
        self.retrieve_settings = retrieve_settings
        self.answer_settings = answer_settings
        self.backend_options = backend_options or {}
        self._model = model
        self._lock = threading.Lock()
        self._live = self._load()

    def _load(self) -> _Loaded:
        index = open_index(self.index_dir)
        if self._model and resolve_model(self._model)[0] != index.model:
            raise IndexIncompatibleError(
                f"index at {self.index_dir} was built with model '{index.model}', not "
                f"'{resolve_model(self._model)[0]}'; rebuild it with: rag index build <articles> "
                f"--index {self.index_dir} --model {self._model}"
            )
        embedder = get_embedder(index.model)
        return _Loaded(index, embedder, SupportScorer(embedder, index.lexical))

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
            live = current_version(self.index_dir)
            if live is not None and live != self._live.index.folder:
                self._live = self._load()
                return True
        return False

    def backend(self, name: str | None = None, live: _Loaded | None = None):
        """The answer backend ``name`` (default: the configured one), built once per index version."""
        live = live or self._live
        name = name or self.answer_settings.backend
        if name not in live.backends:
            options = {"max_sentences": self.answer_settings.max_sentences, **self.backend_options}
            live.backends[name] = get_backend(name, BackendContext(live.scorer, options))
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
        """How well ``hits`` can answer ``question`` (see ``Evidence``).

        ``asked``: the user's own words when ``question`` is a follow-up made standalone; its focus
        comes first ("How long is it?" after "How deep is the sinkhole?" asks a length).
        """
        if not hits:
            return Evidence(0.0, 0.0, 0.0)
        live = live or self._live
        scorer = live.scorer
        kinds = [pattern for _, pattern in expected_answers(question)]
        typed = [s.lexical for s in scorer.sentences(question, list(hits))
                 if all(kind.search(s.text) for kind in kinds)]
        focus = (asked_focus(asked) if asked else None) or asked_focus(last_question(question))
        return Evidence(max(h.dense_score for h in hits), scorer.coverage(question, list(hits)),
                        max(typed, default=0.0), missing_names(question, hits),
                        focus, focus_coverage(question, focus, hits, live.index, scorer) if focus else 1.0)

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
        self.refresh()
        live = self._live
        generator = self.backend(backend, live)
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
        yield self._answer(question, query, checked.text, checked.abstained, checked.citations, hits,
                           generator.name, started, notes + checked.notes)

    @staticmethod
    def _answer(question, query, text, abstained, citations, hits, backend, started, notes) -> Answer:
        return Answer(question=question, text=text, abstained=abstained, citations=citations, passages=list(hits),
                      backend=backend, retrieval_query=query, latency_ms=(time.perf_counter() - started) * 1000,
                      notes=notes)


# A capitalised word inside the question (not its first word) or a number: what the question is about.
_NAME = re.compile(r"\b[A-Z][\w’'-]*[a-z][\w’'-]*|\b\d{2,}(?:[.,]\d+)*\b")
_SENTENCE_START = re.compile(r"^\W*|(?<=[.?!:;]) +")


def missing_names(question: str, hits: Sequence[Hit]) -> tuple[str, ...]:
    """The names and numbers of ``question`` that no passage (text, title or date) contains.

    A question about "GitHub" or "the 2018 World Cup" cannot be answered from passages that never
    mention them, however close the rest of the question is.
    """
    starts = {m.end() for m in _SENTENCE_START.finditer(question)}
    found = set(re.findall(r"\w+", " ".join(
        f"{h.title} {h.published.isoformat() if h.published else ''} {h.text}" for h in hits).lower()))
    missing = []
    for match in _NAME.finditer(question):
        if match.start() in starts:
            continue
        name = re.sub(r"[’']s$", "", match.group(0))
        parts = re.findall(r"\w+", name.lower())
        if parts and not all(p in found for p in parts):
            missing.append(name)
    return tuple(missing)


def focus_coverage(question: str, focus: Focus, hits: Sequence[Hit], index: Index, scorer: SupportScorer) -> float:
    """The best coverage of ``question`` by one retrieved article (whole text) that names ``focus``.

    The Godstone article covers "How deep is the Godstone sinkhole?" but never gives a depth; another
    article saying "deep" covers nothing else of the question: either way the question goes unanswered.
    """
    best = 0.0
    for article_id in dict.fromkeys(h.article_id for h in hits):
        article = index.articles[index.article_row[article_id]]
        text = f"{article.title}\n{article.text}"
        coverage = scorer.coverage_in(question, [text])
        if coverage > best and scorer.mentions(focus, text):
            best = coverage
    return best


def _join(names: Sequence[str]) -> str:
    quoted = [f"“{n}”" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def last_question(text: str) -> str:
    """The last question of ``text``: a follow-up joined to its anchor asks what its own words ask."""
    parts = [p for p in re.split(r"(?<=\?)\s+", text.strip()) if p]
    return parts[-1] if parts else text


_open: dict[Path, Newsdesk] = {}


def ask(question: str, index_dir: str | Path | None = None, **options) -> Answer:
    """Answer ``question`` from the index in ``index_dir`` (default ``$RAG_INDEX_DIR`` or ./index).

    Options: ``k``, ``sources``, ``since``, ``until``, ``as_of``, ``backend``, ``history``.
    """
    key = Path(index_dir or default_index_dir()).resolve()
    if key not in _open:
        _open[key] = Newsdesk(key)
    return _open[key].ask(question, **options)
