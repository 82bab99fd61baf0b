"""What kind of thing a question asks for, and how a sentence that gives it usually looks.

A general question-answering prior (why -> a cause, how much -> a figure, when -> a date, who -> a
name), used to pick answer sentences and to check that the passages hold an answer of the right kind.
"""
from __future__ import annotations

import re

# Question word -> what an answer sentence to it usually contains, and the bonus such a sentence gets.
# A general QA prior, not tuned per question. "Why" weighs most: the sentence closest to a why-question
# usually restates its premise ("Microsoft dropped Twitter") rather than giving the reason.
ANSWER_TYPES = [
    (0.15, re.compile(r"^\s*why\b|\bwhat (?:was|is) the reason\b|\bwhat (?:led|prompted|caused)\b", re.I),
     re.compile(r"\b(because|after|due to|as a result|in response|following|since|so that|reason|amid|"
                r"comes after|blamed|led to|prompted)\b", re.I)),
    (0.08, re.compile(r"\bhow (?:much|many)\b|\bwhat (?:price|percentage|share|figure|amount|number)\b|\bcost\b", re.I),
     re.compile(r"[$£€]\s?\d|\d+(?:\.\d+)?\s?(?:%|per ?cent|bn|billion|million|m\b)|\b\d[\d,]*\b")),
    (0.08, re.compile(r"^\s*when\b|\bwhat (?:year|date|day|month)\b", re.I),
     re.compile(r"\b(?:19|20)\d{2}\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d|"
                r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|last week)\b", re.I)),
    (0.08, re.compile(r"^\s*who\b|\bwhich (?:person|company|firm|outlet)\b", re.I),
     re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)+\b")),
]

ASKS_WHY = ANSWER_TYPES[0][1]


def expected_answers(question: str) -> list[tuple[float, re.Pattern]]:
    """(bonus, pattern) for each kind of answer ``question`` asks for; empty for an open question."""
    return [(bonus, answer) for bonus, asks, answer in ANSWER_TYPES if asks.search(question)]

