"""The short answer inside a sentence: the name, date or amount asked for, the option chosen, yes or no.

"Who won the 2021 Tour de France?" -> "Tadej Pogacar", read off "Tadej Pogacar won the Tour de France
on Sunday" by spaCy's named entities (en_core_web_sm: it knows a PERSON from an ORG from a GPE where
capitalisation alone cannot), with patterns as the fallback when it finds none of the kind asked. The
model loads on the first name/date/amount question, once per process, never while indexing.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from ..entities import entities
from ..index.lexical import terms
from ..question.reading import NAME_KINDS, QuestionReading
from ..text import FIGURE, PROPER_NAME, words_and_numbers

# spaCy entity labels that answer each kind of question.
_LABELS = {
    "person": ("PERSON",),
    "organisation": ("ORG",),
    "place": ("GPE", "LOC", "FAC"),
    "date": ("DATE",),
    "amount": ("MONEY",),
    "number": ("CARDINAL", "QUANTITY", "PERCENT", "MONEY"),
}
_DATE = re.compile(r"\b(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}(?:, \d{4})?|"
                   r"\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*(?: \d{4})?|(?:19|20)\d{2})\b",
                   re.I)
_MONEY = re.compile(r"[$£€]\d[\d,.]*(?:\s?(?:bn|m|k|billion|million|trillion|thousand)\b)?", re.I)
# Where spaCy finds none of the kind: patterns. None for organisations and places, where any capitalised
# run would do and the wrong one is worse than none ("Elon Musk's" for "in which city").
_PATTERNS = {"person": PROPER_NAME, "date": _DATE, "amount": _MONEY, "number": FIGURE}
_NEGATION = re.compile(r"\b(?:not|no|never|n't|neither|nor|denied|denies|refused|rejected|declined)\b|n't\b", re.I)
_BARE_YEAR = re.compile(r"1\d{3}|20\d{2}")
# "Harris, who is 22 years old, was sentenced to 12 years": an age answers only a question about age.
_AGE_AFTER = re.compile(r"[- ]years?[- ]old\b", re.I)
_ASKS_AGE = re.compile(r"\bhow old\b|\bage[ds]?\b|\byears? old\b", re.I)
_ASKS_SHARE = re.compile(r"\b(?:percentage|percent|per cent|proportion)\b", re.I)
_SHARE = re.compile(r"%|\bper ?cent\b|\bpercent\b", re.I)
_POSSESSIVE_END = re.compile(r"(?<=\w)[’']s?$")
_CAPITALISED_WORD = re.compile(r"\b[A-Z][a-z]+\b")
_VOWELS = frozenset("aeiou")
_AND = re.compile(r"\band\b|&")
_EDGES = " ,.;:\"'“”‘’()"  # punctuation around an entity that is no part of the answer


def short_answer(reading: QuestionReading, sentence: str, passages: Sequence[str] = ()) -> str | None:
    """The name, date, amount or number ``reading`` asks for as ``sentence`` writes it, not one the
    question already names; None when the sentence gives none. Of several names, one that another of
    ``passages`` (all those retrieved) mentions too comes first: "Biden", not "Twitter", in "In a video posted
    to Twitter, Biden said he tested positive" when the other passages are about Biden. Figures and dates
    are not voted on: a count such as "10 minutes" recurs without being the answer."""
    labels = _LABELS.get(reading.kind)
    if not labels:
        return None
    asked = set(words_and_numbers(reading.question))
    found = entities(sentence)
    spans = [(t, start) for t, label, start in found if label in labels]
    if reading.kind == "place" and passages:
        # "Europe" for "European regulators", "Russia" for "visas to Russians": a nationality word answers a
        # place question as the place it comes from, when a passage names that place.
        spans += [(p, start) for t, label, start in found if label == "NORP" if (p := _place_of(t, passages))]
    if reading.count > 1:
        return _names_counted(reading.count, sorted(spans, key=lambda span: span[1]), sentence, asked)
    candidates = [t for t, _ in spans]
    if reading.kind in _PATTERNS:
        # A year inside what spaCy reads as a date ("since records began in 1845") is no count or amount; an age
        # is a date to spaCy too ("a 21-year-old"), so only four-digit years are left out.
        dates = [(start, start + len(t)) for t, label, start in found if label == "DATE" and reading.kind != "date"]
        asks_age = bool(_ASKS_AGE.search(reading.question))
        candidates += [m.group(0) for m in _PATTERNS[reading.kind].finditer(sentence)
                       if not (_BARE_YEAR.fullmatch(m.group(0)) and any(a <= m.start() < b for a, b in dates))
                       and (asks_age or not _AGE_AFTER.match(sentence, m.end()))]
    # "Saudi Arabia's ministry": the answer is the owner, not its possessive form.
    candidates = [_bare(c) for c in candidates]
    if passages and len(candidates) > 1 and reading.kind in NAME_KINDS:  # each sort in turn, the last the first key
        candidates.sort(key=lambda c: _mentions(c, passages) < 2)
    if reading.focus:  # "In which COURT ...": "Castlebar Circuit Court" before any other name
        wanted = {t for w in reading.focus.words for t in terms(w)}
        candidates.sort(key=lambda c: not wanted & set(terms(c)))
    if _ASKS_SHARE.search(reading.question):  # "What percentage ...": "51.3%" before "3,000 babies"
        candidates.sort(key=lambda c: not _SHARE.search(c))
    for candidate in candidates:
        words = set(words_and_numbers(candidate))
        if words and not words <= asked:
            return candidate
    return None


def _names_counted(count: int, spans: Sequence[tuple[str, int]], sentence: str, asked: set[str]) -> str | None:
    """"Susan Collins and Lisa Murkowski" for "Who were the two senators ...?": ``count`` names the question
    does not say, listed together in ``sentence`` (nothing but "and", a comma or a few words such as "of Maine"
    between them: "Madrid (CNN) NATO formalized its invitation to Sweden and Finland" lists Sweden and Finland,
    not the dateline); of several such lists the tightest; None when the sentence lists fewer. Names only as
    spaCy reads them: a capitalised run ("Two Republicans") is no name to count."""
    names: list[tuple[str, int, int]] = []
    for text, start in spans:
        name = _bare(text)
        words = set(words_and_numbers(name))
        if words and not words <= asked and not any(name in n or n in name for n, _, _ in names):
            names.append((name, start, start + len(text)))
    lists = []
    for first in range(len(names) - count + 1):
        run = names[first:first + count]
        gaps = [sentence[a[2]:b[1]] for a, b in zip(run, run[1:])]
        if all(_listed(gap) for gap in gaps):
            lists.append((sum(len(gap) for gap in gaps), [n for n, _, _ in run]))
    if not lists:
        return None
    listed = min(lists)[1]
    return ", ".join(listed[:-1]) + " and " + listed[-1]


def _bare(name: str) -> str:
    """``name`` without the punctuation around it or a possessive ending."""
    return _POSSESSIVE_END.sub("", name.strip(_EDGES)).strip(_EDGES)


def _listed(gap: str) -> bool:
    """Whether ``gap``, the text between two names, lists them: "and" with at most five words ("Susan Collins OF
    MAINE AND Lisa Murkowski", "Marco Rubio, AND RUSSIA'S FOREIGN MINISTER, Sergei Lavrov"), or a comma with at
    most three ("John Smith, 45, Peter Jones")."""
    words = len(gap.split())
    return words <= 5 if _AND.search(gap) else "," in gap and words <= 3


def _place_of(demonym: str, passages: Sequence[str]) -> str | None:
    """The place a passage names that ``demonym`` is formed from: the place's name, or the name less its last
    letter, then a vowel ("Russi-ans", "Japan-ese", "Europ-ean"); of several words, the last ("North Korea-n",
    "Sri Lanka-n"), the place named whole; None when no passage names one."""
    *leading, last = demonym.split()
    for passage in passages:
        for name in _CAPITALISED_WORD.findall(passage):
            stems = (name, name[:-1])
            if 4 <= len(name) < len(last) and any(
                    last.startswith(stem) and last[len(stem):len(stem) + 1] in _VOWELS for stem in stems):
                place = " ".join([*leading, name])
                if not leading or place in passage:
                    return place
    return None


def _mentions(candidate: str, passages: Sequence[str]) -> int:
    pattern = re.compile(rf"(?<!\w){re.escape(candidate.strip())}(?!\w)")
    return sum(1 for p in passages if pattern.search(p))


def chosen_option(reading: QuestionReading, sentence: str) -> str | None:
    """The one option of an either/or question ``sentence`` names, as written there; None for none or several."""
    named = [m for m in (re.search(rf"\b{re.escape(o)}\b", sentence, re.I) for o in reading.options) if m]
    return named[0].group(0) if len(named) == 1 else None


def verdict(sentence: str) -> str:
    """"No" when ``sentence`` negates what it says, else "Yes" (the caller has judged it answers the question)."""
    return "No" if _NEGATION.search(sentence) else "Yes"
