"""Ask a question of the index: retrieve, check the evidence, answer, verify citations.

``Newsdesk`` holds what is costly to load (the index, the embedder, the backends) and reloads the
index when a rebuild made a new version live. ``ask`` is the one-call entry point for scripts.
"""
from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from .answer import BackendContext, get_backend
from .answer_types import expected_answers
from .cite import check_citations
from .config import AnswerSettings, RetrieveSettings, default_index_dir
from .embed import get_embedder, resolve_model
from .errors import IndexIncompatibleError
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

    def sufficient(self, settings: AnswerSettings) -> bool:
        return (self.best_similarity >= settings.min_similarity and self.coverage >= settings.min_coverage
                and self.answer_support >= settings.min_answer_support)

    def __str__(self) -> str:
        return (f"similarity {self.best_similarity:.2f}, coverage {self.coverage:.2f}, "
                f"answer support {self.answer_support:.2f}")


class Newsdesk:
    """Questions over one index folder. Cheap to ask many times; safe to keep for a process."""

    def __init__(self, index_dir: str | Path | None = None, *, model: str | None = None,
                 retrieve_settings: RetrieveSettings = RetrieveSettings(),
                 answer_settings: AnswerSettings = AnswerSettings(), backend_options: dict | None = None):
        self.index_dir = Path(index_dir) if index_dir else default_index_dir()
        self.retrieve_settings = retrieve_settings
        self.answer_settings = answer_settings
        self.backend_options = backend_options or {}
        self._model = model
        self._backends: dict[str, object] = {}
        self._load()

    def _load(self) -> None:
        self.index: Index = open_index(self.index_dir)
        if self._model and resolve_model(self._model)[0] != self.index.model:
            raise IndexIncompatibleError(
                f"index at {self.index_dir} was built with model '{self.index.model}', not "
                f"'{resolve_model(self._model)[0]}'; rebuild it with: rag index build <articles> "
                f"--index {self.index_dir} --model {self._model}"
            )
        self.embedder = get_embedder(None if self.index.model == "all-MiniLM-L6-v2" else self.index.model)
        self.scorer = SupportScorer(self.embedder, self.index.lexical)
        self._backends.clear()

    def refresh(self) -> bool:
        """Load the live version if a build replaced it since; True when it did."""
        live = current_version(self.index_dir)
        if live is not None and live != self.index.folder:
            self._load()
            return True
        return False

    def backend(self, name: str | None = None):
        name = name or self.answer_settings.backend
        if name not in self._backends:
            options = {"max_sentences": self.answer_settings.max_sentences, **self.backend_options}
            self._backends[name] = get_backend(name, BackendContext(self.scorer, options))
        return self._backends[name]

    def retrieve(self, query: str, *, k: int | None = None, sources: Sequence[str] = (),
                 since: date | None = None, until: date | None = None, as_of: date | None = None) -> Retrieval:
        filters = Filters(tuple(sources), since, until)
        return retrieve(self.index, self.embedder, query, k=k, filters=filters, as_of=as_of,
                        settings=self.retrieve_settings)

    def evidence(self, question: str, hits: Sequence[Hit]) -> Evidence:
        if not hits:
            return Evidence(0.0, 0.0, 0.0)
        kinds = [pattern for _, pattern in expected_answers(question)]
        typed = [s.lexical for s in self.scorer.sentences(question, list(hits))
                 if all(kind.search(s.text) for kind in kinds)]
        return Evidence(max(h.dense_score for h in hits), self.scorer.coverage(question, list(hits)),
                        max(typed, default=0.0))

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
        generator = self.backend(backend)
        query = generator.rewrite(question, history) if history else question
        retrieval = self.retrieve(query, k=k, sources=sources, since=since, until=until, as_of=as_of)
        hits = retrieval.hits
        evidence = self.evidence(query, hits)
        notes = [f"time: {retrieval.time.phrase} (as of {retrieval.as_of})"] if retrieval.time else []
        if not evidence.sufficient(self.answer_settings):
            yield NOT_COVERED
            yield self._answer(question, query, NOT_COVERED, True, [], hits, generator.name, started,
                               notes + [f"evidence too weak: {evidence}"])
            return
        pieces = []
        for piece in generator.generate(question, hits, history):
            pieces.append(piece)
            yield piece
        checked = check_citations("".join(pieces), hits, self.scorer)
        if not checked.abstained and checked.supported == 0 and generator.name != "extractive":
            # Nothing the model said could be traced to a passage: quote the passages instead.
            fallback = self.backend("extractive")
            raw = "".join(fallback.generate(query, hits, history))
            checked = check_citations(raw, hits, self.scorer)
            checked = replace(checked, notes=checked.notes + ["no generated claim was supported; "
                                                               "showing the extractive answer"])
        yield self._answer(question, query, checked.text, checked.abstained, checked.citations, hits,
                           generator.name, started, notes + checked.notes)

    @staticmethod
    def _answer(question, query, text, abstained, citations, hits, backend, started, notes) -> Answer:
        return Answer(question=question, text=text, abstained=abstained, citations=citations, passages=list(hits),
                      backend=backend, retrieval_query=query, latency_ms=(time.perf_counter() - started) * 1000,
                      notes=notes)


_open: dict[Path, Newsdesk] = {}


def ask(question: str, index_dir: str | Path | None = None, **options) -> Answer:
    """Answer ``question`` from the index in ``index_dir`` (default ``$RAG_INDEX_DIR`` or ./index).

    Options: ``k``, ``sources``, ``since``, ``until``, ``as_of``, ``backend``, ``history``.
    """
    key = Path(index_dir or default_index_dir()).resolve()
    if key not in _open:
        _open[key] = Newsdesk(key)
    return _open[key].ask(question, **options)
