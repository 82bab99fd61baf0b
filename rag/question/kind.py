"""What kind of thing a question asks for, and how a sentence that gives it usually looks.

A general question-answering prior (why -> a reason, how much -> a figure, when -> a date, who -> a
name, how did -> a way), used to pick answer sentences and to check that the passages hold an answer
of the right kind.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import FIGURE, PROPER_NAME


@dataclass(frozen=True)
class AnswerKind:
    """A kind of answer: the questions that ask for it, and what a sentence giving it contains."""

    name: str  # "reason", "figure", "date", "name" or "manner"
    asked_by: re.Pattern
    looks_like: re.Pattern


_REASON_ASKED = re.compile(r"^\s*why\b|\bhow come\b|\bwhat (?:was|is|were|are) the reasons?\b|\bwhat reasons?\b|"
                           r"\bwhat (?:led|prompted|caused|drove)\b|\bblamed?\b", re.I)
# "since" gives a reason only as a conjunction: "HAS SINCE criticised", "ever since" and "since 2015" say when.
_REASON = re.compile(r"\b(because|after|due to|owing to|caused by|driven by|thanks to|as a result|in response|"
                     r"following|follows|(?<!has )(?<!have )(?<!had )(?<!ever )since(?! \d)|so that|in order to|"
                     r"to avoid|to prevent|wanted to|reasons?|amid|citing|"
                     r"comes after|comes from|named after|blamed|led to|prompted)\b", re.I)
_FIGURE_ASKED = re.compile(r"\bhow (?:much|many|big|large|long|far|deep|tall|high|old|heavy|wide|fast|often)\b|"
                           r"\bwhat (?:price|percentage|share|figure|amount|number|proportion|rate|value)\b|\bcost\b",
                           re.I)
_DATE_ASKED = re.compile(r"^\s*when\b|\bwhat (?:year|date|day|month)\b", re.I)
_DATE = re.compile(r"\b(?:19|20)\d{2}\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d|"
                   r"\b\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|"
                   r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|last week)\b", re.I)
_NAME_ASKED = re.compile(r"^\s*who\b|\bwhich\b|\bnames?\b", re.I)
# "How did Microsoft rein in the chatbot?" asks the way it was done: "responded BY LIMITING users to five
# questions". ("How much/many/long ..." ask a figure.)
_MANNER_ASKED = re.compile(r"^\s*how (?:did|does|do|is|are|was|were|will|would|can|could|should|has|have|had)\b",
                           re.I)
_MANNER = re.compile(r"\bby (?:\w+ing|means of)\b", re.I)

ANSWER_KINDS = (
    AnswerKind("reason", _REASON_ASKED, _REASON),
    AnswerKind("figure", _FIGURE_ASKED, FIGURE),
    AnswerKind("date", _DATE_ASKED, _DATE),
    AnswerKind("name", _NAME_ASKED, PROPER_NAME),
    AnswerKind("manner", _MANNER_ASKED, _MANNER),
)

ASKS_WHY = _REASON_ASKED
_WHY = re.compile(r"\s*why\b", re.I)


def expected_kinds(question: str) -> list[AnswerKind]:
    """The kinds of answer ``question`` asks for; empty for an open question."""
    kinds = [kind for kind in ANSWER_KINDS if kind.asked_by.search(question)]
    if _WHY.match(question):  # a reason is all it asks: "Why did xAI NAME its chatbot Grok?" asks no name
        return [kind for kind in kinds if kind.name == "reason"]
    return kinds
