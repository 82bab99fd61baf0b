"""Which is the most or the least: comparisons answered from the figures the passages give.

"Who received the longer sentence: the postman or the skipper?", "Which tech company spends the most on
lobbying?". The sentence closest to such a question restates its topic or quotes one side only, and a
quoted sentence is no choice. So each candidate is found on its own, with the figure written beside it:
each option the question names, or else each name of the kind asked in the sentences that answer it.
Figures of one sort (money in one currency, a duration, a share, a count) are compared and the largest
(or smallest) answers, citing the sentence of each figure compared. A sentence that itself ranks a name
first ("Meta is the biggest single spender") answers at once. When fewer than two candidates have a
figure of one sort, nothing is decided and the question goes to the ordinary reader.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..entities import entities
from ..grounding.scorer import ScoredSentence, SupportScorer
from ..index.lexical import terms
from ..question.reading import GRADED_WORDS, QuestionReading, constraints
from ..text import words_and_numbers
from ..types import Hit

# Share of an option's words (IDF-weighted) the passage of a sentence must hold for it to speak of that option.
MIN_OPTION_COVERAGE = 0.5

_WORD_NUMBERS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_WORD_NUMBERS.update({w: 10 * (i + 3) for i, w in enumerate("thirty forty fifty sixty seventy eighty ninety".split())})
_NUMBER = rf"\d[\d,]*(?:\.\d+)?|{'|'.join(_WORD_NUMBERS)}"
_SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9, "tn": 1e12,
           "trillion": 1e12}
_SCALE = r"(?:bn|tn|m|k|billion|million|trillion|thousand)"
_DAYS = {"year": 365.0, "month": 30.4, "week": 7.0, "day": 1.0, "hour": 1 / 24, "minute": 1 / 1440}
_MONEY = re.compile(rf"([$£€])\s?({_NUMBER})\s?({_SCALE})?\b", re.I)
_UNIT = r"(year|month|week|day|hour|minute)s?"
# "eight years and six months" (not "12 years and nine years": two figures); not "two years ago".
_DURATION = re.compile(rf"\b({_NUMBER})\s+{_UNIT}(?:\s+and\s+({_NUMBER})\s+(month|week|day|hour|minute)s?)?\b"
                       r"(?!\s+(?:ago|old|earlier|later|before|after))", re.I)
_SHARE = re.compile(rf"\b({_NUMBER})\s?(?:%|per ?cent\b|percent\b)", re.I)
# Not a count: "two years ago" (a duration not compared), "a 21-year-old".
_COUNT = re.compile(rf"\b({_NUMBER})(?:\s+({_SCALE}))?\b(?!-|\s+{_UNIT}\b)", re.I)
_WORDS = re.compile(r"[\w'’-]+")
_CLAUSE_BREAK = re.compile(r"[,;(]\s*|\s+(?:and|but|while|whereas)\s+")
_AGE = re.compile(r",\s*\d{1,3}\s*,")  # "Darius Whitlow, 41, from Liverpool": an age, not a figure compared
_YEAR = re.compile(r"(?:1[89]|20)\d{2}")
# Which sort of figure a question's words compare; a question naming none compares any one sort.
_ASKS = (
    ("money", re.compile(r"\b(?:money|spend\w*|spent|cost\w*|pa(?:y|id|ys)|price\w*|budget\w*|worth|value|invest\w*|"
                         r"fund\w*|donat\w*|offer\w*|bid|fine[ds]?|revenue|profit\w*|salar\w*|earn\w*)\b", re.I)),
    ("time", re.compile(r"\b(?:sentence[ds]?|jail\w*|prison|longer|longest|shorter|shortest|older|oldest|time)\b",
                        re.I)),
    ("share", re.compile(r"\b(?:percent\w*|share|rate)\b", re.I)),
)
# A sentence ranking a name first: "Meta is the biggest single spender". Not "one of the biggest".
_RANKS_FIRST = {True: re.compile(r"(?<!one of )\b(?:the|its|their)\s+(?:\w+\s+)?(?:biggest|largest|greatest|highest|"
                                 r"longest|most|top)\b", re.I),
                False: re.compile(r"(?<!one of )\b(?:the|its|their)\s+(?:\w+\s+)?(?:smallest|lowest|shortest|least|"
                                  r"fewest|cheapest)\b", re.I)}
_NAME_LABELS = {"person": ("PERSON",), "organisation": ("ORG",), "place": ("GPE", "LOC")}
_ANY_NAME = ("PERSON", "ORG", "PRODUCT", "WORK_OF_ART")
# "Which SHOW received the most nominations?": a title, not the network with the most ("HBO Max, 140").
_ASKS_TITLE = re.compile(r"\b(?:which|what)\s+(?:\w+\s+)?(?:show|series|film|movie|book|novel|album|song|play|"
                         r"programme|drama|sitcom)s?\b", re.I)


@dataclass(frozen=True)
class Figure:
    """A figure as a sentence writes it: its value, its sort ("$", "£", "€", "time", "share" or "count"), where."""

    value: float
    sort: str
    start: int
    text: str


@dataclass(frozen=True)
class Compared:
    """A candidate (an option or a name), its figure and the sentence giving it."""

    name: str
    figure: Figure
    sentence: ScoredSentence
    measured: bool = False  # the sentence names what is compared ("pre-tax PROFIT"), not only the candidate


def figures(sentence: str) -> list[Figure]:
    """The figures of ``sentence`` in order: money, durations (in days), shares and counts; years and ages left out."""
    found: list[Figure] = []
    taken: list[tuple[int, int]] = [m.span() for m in _AGE.finditer(sentence)]

    def add(m: re.Match, value: float | None, sort: str) -> None:
        if value is not None and not any(a < m.end() and m.start() < b for a, b in taken):
            found.append(Figure(value, sort, m.start(), m.group(0).strip()))
            taken.append(m.span())

    for m in _MONEY.finditer(sentence):
        add(m, _scaled(m.group(2), m.group(3)), m.group(1))
    for m in _DURATION.finditer(sentence):
        first = _number(m.group(1))
        more = _number(m.group(3)) * _DAYS[m.group(4).lower()] if m.group(3) else 0.0
        add(m, None if first is None else first * _DAYS[m.group(2).lower()] + more, "time")
    for m in _SHARE.finditer(sentence):
        add(m, _number(m.group(1)), "share")
    for m in _COUNT.finditer(sentence):
        if not (_YEAR.fullmatch(m.group(1)) and not m.group(2)):
            add(m, _scaled(m.group(1), m.group(2)), "count")
    return sorted(found, key=lambda f: f.start)


def compare(reading: QuestionReading, ranked: Sequence[ScoredSentence], values: dict[int, float],
            passages: Sequence[Hit], scorer: SupportScorer, floor: float) -> tuple[str, list[Compared]] | None:
    """The answer (an option as the question words it, or a name) and the candidates compared, the answer first;
    None when the passages do not settle it. ``ranked``/``values``: the reader's sentences and their values;
    a name is looked for among those of the best sentence's article scoring at least ``floor`` times the best."""
    comparison = reading.comparison
    if comparison is None or not ranked:
        return None
    wanted = next((sort for sort, asks in _ASKS if asks.search(reading.question)), None)
    asked = set(words_and_numbers(reading.question))
    if comparison.options:
        candidates = [c for option in comparison.options
                      for c in _option_figures(option, comparison.measure, passages, scorer, wanted)]
        candidates = [c for c in candidates if not set(words_and_numbers(c.figure.text)) <= asked]
        if len({c.measured for c in candidates}) > 1:
            return None  # "revenue of £2.05bn" against "pre-tax profit of £64m": not the same measure
    else:
        # The names compared come from the article of the best sentence: the one about what is asked.
        best, article = values[id(ranked[0])], passages[ranked[0].passage].article_id
        answering = [s for s in ranked
                     if values[id(s)] >= floor * best and passages[s.passage].article_id == article]
        labels = (("WORK_OF_ART",) if _ASKS_TITLE.search(reading.question)
                  else _NAME_LABELS.get(reading.kind, _ANY_NAME))
        first = _ranked_first(answering, labels, asked, comparison.most)
        if first is not None:
            return first.name, [first]
        candidates = [c for s in answering for c in _named_figures(s, labels, asked, wanted)
                      if not set(words_and_numbers(c.figure.text)) <= asked]  # "four men" is no sentence
    return _decide(candidates, comparison.most)


def _decide(candidates: list[Compared], most: bool) -> tuple[str, list[Compared]] | None:
    """The largest (or smallest) of the candidates' figures of the sort most of them have; None when fewer than
    two different candidates have one, or the extreme is shared."""
    by_sort: dict[str, dict[str, Compared]] = {}
    for c in candidates:
        by_sort.setdefault(c.figure.sort, {}).setdefault(c.name, c)  # a name's first figure: its best sentence's
    usable = [named for named in by_sort.values() if len(named) >= 2]
    if not usable:
        return None
    named = max(usable, key=len)
    ordered = sorted(named.values(), key=lambda c: c.figure.value, reverse=most)
    if ordered[0].figure.value == ordered[1].figure.value:
        return None
    return ordered[0].name, ordered


def _option_figures(option: str, measure: str, passages: Sequence[Hit], scorer: SupportScorer,
                    wanted: str | None) -> list[Compared]:
    """The figures of the sentence that best speaks of ``option`` and of what is compared (``measure``), best
    first: those in a clause with the option's words and the measure's ("4.6 million PASSENGERS in the SECOND
    quarter | up from 3.1 million in the first quarter"), then the nearest the option's words.

    A sentence speaks of the option when the passages of its article hold most of the option's words and it holds
    one: "The skipper ... was jailed for 14 years" for "the skipper of the Kestrel Dawn". One naming another year or
    quarter than the option does not ("revenue for the FOURTH quarter" for "the first quarter of 2024")."""
    weights = scorer.term_weights(option)
    named = constraints(option)
    measured = {t for word in _WORDS.findall(option) if not word[:1].isupper() for t in terms(word)} & set(weights)
    # What is compared, less the names shared by every sentence of the story ("Brightwell Foods") and the
    # comparative itself: "made the larger PRE-TAX PROFIT".
    measure_terms = {t for word in _WORDS.findall(measure) if not word[:1].isupper()
                     and word.lower() not in GRADED_WORDS for t in terms(word)} - set(weights)
    articles: dict[str, list[str]] = {}
    for hit in passages:
        articles.setdefault(hit.article_id, [hit.title]).append(hit.text)
    covered = {a: scorer.coverage_in(option, ["\n".join(texts)]) >= MIN_OPTION_COVERAGE
               for a, texts in articles.items()}

    def speaks(s: ScoredSentence) -> tuple[bool, bool]:  # of the option, of what is compared
        held = set(terms(s.text))
        return bool(held & set(weights)), bool(held & measure_terms)

    # One holding the option's words and what is compared first, then the option's words alone, then what is
    # compared alone ("Pre-tax profit rose to £71m", in the option's article).
    scored = scorer.sentences(f"{option} {measure}", list(passages))
    for s in sorted(scored, key=lambda s: (not speaks(s)[0], not speaks(s)[1], -s.score)):
        if not covered[passages[s.passage].article_id] or named.agreement(s.text, passages[s.passage].published) < 0:
            continue
        found = [f for f in figures(s.text) if _fits(f, wanted)]
        words = [(m.start(), set(terms(m.group(0)))) for m in re.finditer(r"\w+", s.text)]
        at = ([i for i, t in words if t & measured] or [i for i, t in words if t & set(weights)]
              or [i for i, t in words if t & measure_terms])
        if not (found and at):
            continue
        breaks = [m.end() for m in _CLAUSE_BREAK.finditer(s.text)]

        def clause(i: int) -> int:
            return sum(1 for b in breaks if b <= i)

        option_clauses = {clause(a) for a in at}
        measure_clauses = {clause(i) for i, t in words if t & measure_terms}
        found.sort(key=lambda f: (clause(f.start) not in option_clauses, clause(f.start) not in measure_clauses,
                                  min(abs(f.start - a) for a in at)))
        return [Compared(option, f, s, speaks(s)[1]) for f in found]
    return []


def _named_figures(s: ScoredSentence, labels: tuple[str, ...], asked: set[str], wanted: str | None) -> list[Compared]:
    """The names of ``s`` each with the first figure after it and before the next name; in a sentence saying
    "respectively", the names and figures before that word paired in order."""
    names = [(text, start) for text, label, start in entities(s.text)
             if label in labels and not set(words_and_numbers(text)) <= asked]
    found = [f for f in figures(s.text) if _fits(f, wanted)]
    pairs = []
    cut = s.text.lower().find("respectively")
    if cut > 0:
        listed = [n for n in names if n[1] < cut]
        listed_figures = [f for f in found if f.start < cut]
        if len(listed) == len(listed_figures) >= 2:
            pairs += [Compared(n, f, s) for (n, _), f in zip(listed, listed_figures)]
            names = [n for n in names if n[1] > cut]
            found = [f for f in found if f.start > cut]
    for i, (name, start) in enumerate(names):
        end = names[i + 1][1] if i + 1 < len(names) else len(s.text)
        after = [f for f in found if start < f.start < end]
        if after:
            pairs.append(Compared(name, after[0], s))
    return pairs


def _ranked_first(sentences: Sequence[ScoredSentence], labels: tuple[str, ...], asked: set[str],
                  most: bool) -> Compared | None:
    """The first name of the kind asked right before "the biggest ..." (or "the smallest ...") in a sentence."""
    for s in sentences:
        ranks = _RANKS_FIRST[most].search(s.text)
        if not ranks:
            continue
        before = [(text, start) for text, label, start in entities(s.text[:ranks.start()])
                  if label in labels and not set(words_and_numbers(text)) <= asked
                  and len(s.text[start + len(text):ranks.start()].split()) <= 3]  # "Meta is the biggest"
        if before:
            name, start = before[-1]
            return Compared(name, Figure(0.0, "rank", start, name), s)  # ranked, not measured
    return None


def _fits(figure: Figure, wanted: str | None) -> bool:
    if wanted == "money":
        return figure.sort in "$£€"
    return wanted is None or figure.sort == wanted


def _number(text: str) -> float | None:
    text = text.lower().replace(",", "")
    if text in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[text])
    try:
        return float(text)
    except ValueError:
        return None


def _scaled(number: str, scale: str | None) -> float | None:
    value = _number(number)
    return None if value is None else value * _SCALES.get((scale or "").lower(), 1.0)
