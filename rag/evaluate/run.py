"""Run a question set through Newsdesk and score every question; summarise overall and per type.

Each question is retrieved once for the ranking (the top 10 passages, whatever ``k``) and asked
once for the answer (with ``k`` passages, as a user would). Scores per question:

- Retrieval, at article level, on questions that name evidence: the articles of the top 10
  passages, in rank order without repeats, are matched against the evidence articles. A question
  with several evidence articles is a hit at n when ANY of them is in the top n; MRR@10 uses the
  first one found; ``evidence_recall@10`` is the share of them found.
- Facts, on questions whose evidence quotes a ``fact``: ``fact_hits@10`` is 1 when any gold fact
  occurs in one of the top 10 passages (whitespace ignored), as MultiHop-RAG computes Hits@10.
- Answers, on answerable questions with gold answers: exact match, token F1 and "contains" against
  the best gold answer. An abstention scores 0: it did not give the answer.
- Citations, on answers that were given: precision is the share of citations whose passage comes
  from an evidence article (questions with evidence only); support is the share of citations
  verified against the sentence that cites them. Both are pooled over all citations in the summary.
- Abstention, over the set: precision is the share of abstentions on unanswerable questions,
  recall the share of unanswerable questions abstained on.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import metrics
from .dataset import Evidence, Question

if TYPE_CHECKING:  # the index and models load only when a run starts, so `rag --help` stays quick
    from ..desk import Newsdesk
    from ..index.store import Index

SUMMARY_KEYS = (
    "questions", "hits@1", "hits@4", "hits@5", "hits@10", "mrr@10", "fact_hits@10", "answer_em", "answer_f1",
    "answer_contains", "abstain_precision", "abstain_recall", "citation_precision", "citation_support",
    "latency_p50_ms", "latency_p95_ms",
)
RANK_DEPTH = 10  # retrieval is scored on the top 10 passages, as MultiHop-RAG does
UNTYPED = "untyped"


@dataclass(frozen=True)
class CitationRecord:
    """A citation of an answer; ``from_evidence`` is None when the question names no evidence."""

    n: int
    article_id: str
    chunk_id: str
    quote: str
    verified: bool
    from_evidence: bool | None


@dataclass(frozen=True)
class Record:
    """What happened to one question: retrieved, answered, cited, and its scores (None: not measured)."""

    id: str
    question: str
    type: str
    answerable: bool
    as_of: str | None
    gold_answers: list[str]
    evidence_articles: list[str]  # indexed article ids the evidence names
    evidence_unmatched: int  # evidence entries naming no indexed article
    retrieved: list[str]  # article ids of the top 10 passages, in rank order, without repeats
    hit_ranks: list[int]  # 1-based ranks in ``retrieved`` of the evidence articles found
    facts_found: list[bool]
    answer: str
    abstained: bool
    citations: list[CitationRecord]
    latency_ms: float
    scores: dict[str, float | None]


@dataclass(frozen=True)
class EvalRun:
    """A scored run: the settings it ran with, the summary overall and per type, and every record."""

    settings: dict
    summary: dict[str, float | None]
    by_type: dict[str, dict[str, float | None]]
    records: list[Record] = field(default_factory=list)


class EvidenceMatcher:
    """Finds the indexed article an evidence entry names: by doc_id, else url, else title.

    A doc_id of an article dropped as a duplicate resolves to the copy that was kept.
    """

    def __init__(self, index: Index):
        self._ids = set(index.article_row)
        self._index = index
        self._by_url: dict[str, str] = {}
        self._by_title: dict[str, str] = {}
        for article in index.articles:
            if article.url:
                self._by_url.setdefault(_url_key(article.url), article.id)
            if article.title:
                self._by_title.setdefault(_title_key(article.title), article.id)
        for dropped in index.duplicates:  # evidence may name the copy that was left out
            if dropped.url:
                self._by_url.setdefault(_url_key(dropped.url), dropped.kept_id)
            if dropped.title:
                self._by_title.setdefault(_title_key(dropped.title), dropped.kept_id)

    def match(self, evidence: Evidence) -> str | None:
        """The id of the indexed article ``evidence`` names, or None when it names none."""
        if evidence.doc_id:
            kept = self._index.kept_copy(evidence.doc_id)
            if kept in self._ids:
                return kept
        if evidence.url and _url_key(evidence.url) in self._by_url:
            return self._by_url[_url_key(evidence.url)]
        if evidence.title:
            return self._by_title.get(_title_key(evidence.title))
        return None


def _url_key(url: str) -> str:
    return url.strip().rstrip("/")


def _title_key(title: str) -> str:
    return " ".join(title.casefold().split())


def evaluate(questions: Sequence[Question], desk: Newsdesk, *, k: int = 5, backend: str | None = None,
             progress: Callable[[int, int], None] | None = None, settings: dict | None = None) -> EvalRun:
    """Ask every question of ``desk`` and score it; ``progress(done, total)`` after each one."""
    desk.backend(backend)  # fail now, not after the first question, when the backend cannot run
    matcher = EvidenceMatcher(desk.index)
    records = []
    for done, question in enumerate(questions, 1):
        records.append(score_question(question, desk, matcher, k=k, backend=backend))
        if progress:
            progress(done, len(questions))
    by_type: dict[str, list[Record]] = {}
    for record in records:
        by_type.setdefault(record.type, []).append(record)
    return EvalRun(
        settings={**(settings or {}), "k": k, "backend": backend or desk.answer_settings.backend},
        summary=summarise(records),
        by_type={kind: summarise(group) for kind, group in sorted(by_type.items())},
        records=records,
    )


def score_question(question: Question, desk: Newsdesk, matcher: EvidenceMatcher, *, k: int = 5,
                   backend: str | None = None) -> Record:
    """Retrieve for, ask and score one question."""
    passages = desk.retrieve(question.question, k=max(k, RANK_DEPTH), as_of=question.as_of).hits[:RANK_DEPTH]
    retrieved = list(dict.fromkeys(hit.article_id for hit in passages))
    answer = desk.ask(question.question, k=k, as_of=question.as_of, backend=backend)

    matched = [matcher.match(e) for e in question.evidence]
    evidence_articles = list(dict.fromkeys(a for a in matched if a))
    unmatched = sum(1 for a in matched if a is None)
    hit_ranks = sorted(retrieved.index(a) + 1 for a in evidence_articles if a in retrieved)
    facts = [e.fact for e in question.evidence if e.fact]
    found = metrics.facts_found(facts, [hit.text for hit in passages])
    citations = [] if answer.abstained else [
        CitationRecord(n=c.n, article_id=c.hit.article_id, chunk_id=c.hit.chunk_id, quote=c.quote,
                       verified=c.verified,
                       from_evidence=(c.hit.article_id in evidence_articles) if question.evidence else None)
        for c in answer.citations
    ]

    scores: dict[str, float | None] = {}
    if question.evidence:
        first = hit_ranks[0] if hit_ranks else None
        for n in (1, 4, 5, 10):
            scores[f"hits@{n}"] = metrics.hit_at(first, n)
        scores["mrr@10"] = metrics.reciprocal_rank(first, RANK_DEPTH)
        scores["evidence_recall@10"] = len(hit_ranks) / (len(evidence_articles) + unmatched)
    else:
        scores.update({key: None for key in ("hits@1", "hits@4", "hits@5", "hits@10", "mrr@10",
                                             "evidence_recall@10")})
    scores["fact_hits@10"] = float(any(found)) if facts else None
    scores["fact_recall@10"] = metrics.ratio(sum(found), len(found))
    gradable = question.answerable and bool(question.answers)
    text = "" if answer.abstained else answer.text
    scores["answer_em"] = metrics.exact_match(text, question.answers) if gradable else None
    scores["answer_f1"] = metrics.token_f1(text, question.answers) if gradable else None
    scores["answer_contains"] = metrics.contains_answer(text, question.answers) if gradable else None
    with_evidence = [c for c in citations if c.from_evidence is not None]
    scores["citation_precision"] = metrics.ratio(sum(c.from_evidence for c in with_evidence), len(with_evidence))
    scores["citation_support"] = metrics.ratio(sum(c.verified for c in citations), len(citations))

    return Record(
        id=question.id, question=question.question, type=question.type or UNTYPED, answerable=question.answerable,
        as_of=question.as_of.isoformat() if question.as_of else None, gold_answers=list(question.answers),
        evidence_articles=evidence_articles, evidence_unmatched=unmatched, retrieved=retrieved,
        hit_ranks=hit_ranks, facts_found=found, answer=answer.text, abstained=answer.abstained,
        citations=citations, latency_ms=round(answer.latency_ms, 1), scores=scores,
    )


def summarise(records: Sequence[Record]) -> dict[str, float | None]:
    """The summary of a set of records, with exactly ``SUMMARY_KEYS`` (None where nothing was measured)."""
    abstained = [r for r in records if r.abstained]
    unanswerable = [r for r in records if not r.answerable]
    citations = [c for r in records for c in r.citations]
    with_evidence = [c for c in citations if c.from_evidence is not None]
    latencies = [r.latency_ms for r in records]
    summary: dict[str, float | None] = {"questions": len(records)}
    for key in ("hits@1", "hits@4", "hits@5", "hits@10", "mrr@10", "fact_hits@10", "answer_em", "answer_f1",
                "answer_contains"):
        summary[key] = metrics.mean([r.scores[key] for r in records])
    summary["abstain_precision"] = metrics.ratio(sum(not r.answerable for r in abstained), len(abstained))
    summary["abstain_recall"] = metrics.ratio(sum(r.abstained for r in unanswerable), len(unanswerable))
    summary["citation_precision"] = metrics.ratio(sum(c.from_evidence for c in with_evidence), len(with_evidence))
    summary["citation_support"] = metrics.ratio(sum(c.verified for c in citations), len(citations))
    summary["latency_p50_ms"] = metrics.percentile(latencies, 50)
    summary["latency_p95_ms"] = metrics.percentile(latencies, 95)
    return {key: summary[key] for key in SUMMARY_KEYS}
