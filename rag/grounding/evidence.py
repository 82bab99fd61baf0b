"""Is this text backed by the passages? The evidence gate: whether retrieved passages can answer a question.

Before any backend runs, the question's names and figures must appear in the passages or all in one of their
articles, its terms must be covered (those saying who reported it, or when, count only where found), and what
it asks about (its focus) must be named by an article that covers it. Otherwise Newsdesk abstains and says why
(``Evidence.reason``).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..config import AnswerSettings
from ..entities import entities, modifiers
from ..index.lexical import terms
from ..index.store import Index
from ..question.focus import Focus, asked_focus
from ..question.followup import last_question
from ..question.kind import expected_kinds
from ..question.reading import YEAR, constraints
from ..text import NAME_OR_NUMBER, split_sentences
from ..types import Article, Hit
from .scorer import SupportScorer


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
    missing_names: tuple[str, ...] = ()  # question names the passages lack, when no one retrieved article has them all
    focus: Focus | None = None  # what the question asks about ("deep" in "How deep is the sinkhole?")
    focus_coverage: float = 1.0  # the best coverage of the question by one retrieved article naming the focus
    other_years: tuple[int, ...] = ()  # the asked years, when no article holding the year's names is about them

    def sufficient(self, settings: AnswerSettings) -> bool:
        return (self.best_similarity >= settings.min_similarity and self.coverage >= settings.min_coverage
                and self.answer_support >= settings.min_answer_support and not self.missing_names
                and self.focus_coverage >= settings.min_coverage and not self.other_years)

    def reason(self, settings: AnswerSettings) -> str:
        """Why the evidence is not enough, for the reader; empty when it is."""
        if self.missing_names:
            return f"No article found mentions {_join(self.missing_names)}."
        if self.other_years:
            return f"The articles found tell of another year than {_join([str(y) for y in self.other_years])}."
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
        years = f", about other years than {', '.join(map(str, self.other_years))}" if self.other_years else ""
        return (f"similarity {self.best_similarity:.2f}, coverage {self.coverage:.2f}, "
                f"answer support {self.answer_support:.2f}{missing}{focus}{years}")


def weigh_evidence(question: str, hits: Sequence[Hit], index: Index, scorer: SupportScorer,
                   asked: str | None = None, settings: AnswerSettings = AnswerSettings()) -> Evidence:
    """How well ``hits`` can answer ``question`` (see ``Evidence``).

    ``asked``: the user's own words when ``question`` is a follow-up made standalone; its focus
    comes first ("How long is it?" after "How deep is the sinkhole?" asks a length).

    Words that colour a question rather than say what it asks count for coverage only where a passage has
    them: who reported a finding ("a survey by Ofcom"), when ("this week"), and, read by spaCy only when
    coverage falls short without them, plain adjectives and adverbs ("a CONTROVERSIAL visit", "FAMOUSLY
    called games"; comparatives and superlatives still count: "the HOTTEST temperature").
    """
    if not hits:
        return Evidence(0.0, 0.0, 0.0)
    kinds = [kind.looks_like for kind in expected_kinds(question)]
    typed = [s.lexical for s in scorer.sentences(question, list(hits))
             if all(kind.search(s.text) for kind in kinds)]
    focus = (asked_focus(asked) if asked else None) or asked_focus(last_question(question))

    def coverages(optional: str) -> tuple[float, float]:
        return (scorer.coverage(question, list(hits), optional),
                focus_coverage(question, focus, hits, index, scorer, optional) if focus else 1.0)

    optional = " ".join(m.group(0) for pattern in (_ATTRIBUTION, _WHEN) for m in pattern.finditer(question))
    coverage, focused = coverages(optional)
    if min(coverage, focused) < settings.min_coverage:
        optional = f"{optional} {' '.join(modifiers(question))}"
        coverage, focused = coverages(optional)
    scene = _context_words(question)
    if scene and min(coverage, focused) < settings.min_coverage:
        coverage, focused = coverages(f"{optional} {scene}")
    return Evidence(max(h.dense_score for h in hits), coverage, max(typed, default=0.0),
                    missing_names(question, hits, index), focus, focused, other_years(question, hits, index))


_SENTENCE_START = re.compile(r"^\W*|(?<=[.?!:;]) +")
_POSSESSIVE = re.compile(r"[’']s$")  # "Musk's" names Musk
# Who reports a finding is not what is asked: "the most liveable city, according to The Economist", "a survey by
# Ofcom". The clause runs to the next comma, semicolon or question mark.
_ATTRIBUTION = re.compile(r"\baccording to\b[^,;?]*|\b(?:report|survey|analysis|study|poll|research|ranking|"
                          r"rankings|figures|data)\b[^,;?]{0,40}?\bby\b[^,;?]*", re.I)
# When something happened: retrieval's time preference reads it (rag.question.time_phrases), and an article
# seldom repeats "this week".
_WHEN = re.compile(r"\b(?:(?:earlier |later )?(?:this|last|past|next) (?:week|weekend|month|year)|recently|lately|"
                   r"today|yesterday)\b", re.I)


def missing_names(question: str, hits: Sequence[Hit], index: Index | None = None) -> tuple[str, ...]:
    """The names and numbers of ``question`` that the passages (text, title or date) do not contain, leaving out
    the source a finding is attributed to ("according to The Economist") and, when something is missing, the
    words that only describe (``_descriptive_words``); none when, with ``index``, one retrieved article
    contains them all in its whole text ("Mo Farah" in the article, "Farah" in the passage).

    A question about "GitHub" or "the 2018 World Cup" cannot be answered from articles that never mention
    them, however close the rest of the question is. One article must hold them all: "Grocer" in one and
    "2022" in another do not answer "Which retailer was named Grocer of the Year in 2022?".
    """
    names = _names(question)
    missing = _missing(names, hits, index)
    if missing:  # spaCy only now: most questions' names are all found
        optional = _descriptive_words(question) | _context_names(question) | _reference_years(question)
        if optional & set(missing):
            missing = _missing([n for n in names if n not in optional], hits, index)
    return missing


def other_years(question: str, hits: Sequence[Hit], index: Index) -> tuple[int, ...]:
    """The years ``question`` asks about when no retrieved article holding the names of the year's clause names
    the asked year (``Constraints.agreement``) or was published in it; none when the question asks no year.
    An article naming no year and published in another says nothing of the asked one.

    The names check passes "Who won the women's singles at the 2022 Harbourside Open?" over the 2023 and 2024
    Opens when one of them mentions 2022 in passing; neither says who won in 2022.
    """
    asked = constraints(question)
    reference = {int(y) for y in _reference_years(question)}
    asked = replace(asked, years=tuple(y for y in asked.years if y not in reference))
    if not asked.years:
        return ()
    # A year qualifies the names of its own clause: "Microsoft", not "Musk", in "Elon Musk as a donor, or
    # Microsoft with its 2023 deal".
    clauses = [c for c in _CLAUSE.split(question) if YEAR.search(c)]
    names = [n for c in clauses for n in _names(c) if not YEAR.fullmatch(n)]
    articles = [index.articles[index.article_row[i]] for i in dict.fromkeys(h.article_id for h in hits)]
    about = [a for a in articles if not _lacking(names, [_dated(a)])] or articles
    if any(a.published and a.published.year in asked.years
           or asked.agreement(f"{a.title}\n{a.text}", a.published) == 1 for a in about):
        return ()
    return asked.years


_CLAUSE = re.compile(r"[,:;]|\bor\b")
# A year after "since", "by", "before" ... is a point of reference, not the time asked about: "What has Twitter
# charged since 2023?" is answered by an article of 2025 that never writes 2023.
_REFERENCE_YEAR = re.compile(r"\b(?:since|by|before|after|until|till|prior to)\s+(?:(?:early|mid|late|the end of)[- ]?\s*)?"
                             r"((?:19|20)\d{2})\b", re.I)


def _reference_years(question: str) -> set[str]:
    return {m.group(1) for m in _REFERENCE_YEAR.finditer(question)}


def _names(question: str) -> list[str]:
    """The names and numbers of ``question``, leaving out its first word and whoever a finding is attributed to."""
    starts = {m.end() for m in _SENTENCE_START.finditer(question)}
    attributed = [m.span() for m in _ATTRIBUTION.finditer(question)]
    return [_POSSESSIVE.sub("", m.group(0)) for m in NAME_OR_NUMBER.finditer(question)
            if m.start() not in starts and not any(start <= m.start() < end for start, end in attributed)]


def _missing(names: Sequence[str], hits: Sequence[Hit], index: Index | None) -> tuple[str, ...]:
    missing = _lacking(names, [_dated(h) for h in hits])
    if missing and index is not None:
        for article_id in dict.fromkeys(h.article_id for h in hits):
            if not _lacking(names, [_dated(index.articles[index.article_row[article_id]])]):
                return ()
    return missing


def _lacking(names: Sequence[str], texts: Sequence[str]) -> tuple[str, ...]:
    """The ``names`` some word of which is in none of ``texts`` (case ignored)."""
    found = set(re.findall(r"\w+", " ".join(texts).lower()))
    return tuple(n for n in names if (parts := re.findall(r"\w+", n.lower())) and not all(p in found for p in parts))


def _dated(item: Hit | Article) -> str:
    """A passage's or an article's title, date and text, where a question's names and figures are looked for."""
    return f"{item.title} {item.published.isoformat() if item.published else ''} {item.text}"


def _context_names(question: str) -> set[str]:
    """Names only the sentences before the question's last one give: context the asker sets ("Vin Scully died
    this week at the age of 94. Which team did he call games for?"), which an answering article need not repeat."""
    spans = split_sentences(question)
    if len(spans) < 2:
        return set()
    last = set(_names(question[spans[-1][0]:]))
    return {n for n in _names(question[:spans[-1][0]]) if n not in last}


def _context_words(question: str) -> str:
    """The words only the sentences before the question's last one say: the scene the asker sets ("Jerry
    Harris, a lead personality on the Netflix show Cheer, was sentenced this week ..."), which an answering
    passage need not repeat."""
    spans = split_sentences(question)
    if len(spans) < 2:
        return ""
    last = set(terms(question[spans[-1][0]:]))
    return " ".join(w for w in re.findall(r"[\w'’-]+", question[:spans[-1][0]]) if not set(terms(w)) & last)


def _descriptive_words(question: str) -> set[str]:
    """Words of the question's names an answering article need not repeat: a person's given names (news
    writes "Farah" for "Mo Farah" after the first mention) and nationality or group words ("which British pop
    star", "Britons"), which describe the subject rather than name it (spaCy's PERSON and NORP entities)."""
    optional: set[str] = set()
    for text, label, _ in entities(question):
        words = [_POSSESSIVE.sub("", w) for w in NAME_OR_NUMBER.findall(text)]
        if label == "NORP":
            optional.update(words)
        elif label == "PERSON" and len(words) > 1:
            optional.update(words[:-1])
    return optional


def focus_coverage(question: str, focus: Focus, hits: Sequence[Hit], index: Index, scorer: SupportScorer,
                   optional: str = "") -> float:
    """The best coverage of ``question`` by one retrieved article (whole text) that names ``focus``.

    The Godstone article covers "How deep is the Godstone sinkhole?" but never gives a depth; another
    article saying "deep" covers nothing else of the question: either way the question goes unanswered.
    """
    best = 0.0
    for article_id in dict.fromkeys(h.article_id for h in hits):
        article = index.articles[index.article_row[article_id]]
        text = f"{article.title}\n{article.text}"
        coverage = scorer.coverage_in(question, [text], optional)
        if coverage > best and scorer.mentions(focus, text):
            best = coverage
    return best


def _join(names: Sequence[str]) -> str:
    quoted = [f"“{n}”" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


