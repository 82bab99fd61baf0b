"""What kind of thing a question asks for, and how a sentence that gives it usually looks.

A general question-answering prior (why -> a cause, how much -> a figure, when -> a date, who -> a
name), used to pick answer sentences and to check that the passages hold an answer of the right kind.
"""
from __future__ import annotations

import re

from .focus import words_and_numbers

# A figure: digits as one token ("$9.74bn", "1,172"), or a number word ("one" is left out: "one of the ...").
_NUMBER = (r"[$£€]?\d[\d,.]*\d?(?:bn|m|k|%)?|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|"
           r"thirty|forty|fifty|hundreds?|thousands?|millions?|billions?|dozens?|half|twice|double)\b")
# Question word -> what an answer sentence to it usually contains, and the bonus such a sentence gets.
# A general QA prior, not tuned per question. "Why" weighs most: the sentence closest to a why-question
# usually restates its premise ("Microsoft dropped Twitter") rather than giving the reason.
ANSWER_TYPES = [
    (0.15, re.compile(r"^\s*why\b|\bhow come\b|\bwhat (?:was|is|were|are) the reasons?\b|\bwhat reasons?\b|"
                      r"\bwhat (?:led|prompted|caused|drove)\b|\bblamed?\b", re.I),
     re.compile(r"\b(because|after|due to|owing to|caused by|driven by|thanks to|as a result|in response|following|"
                r"follows|since|so that|in order to|to avoid|to prevent|wanted to|reasons?|amid|citing|comes after|"
                r"comes from|named after|blamed|led to|prompted)\b", re.I)),
    (0.08, re.compile(r"\bhow (?:much|many|big|large|long|far|deep|tall|high|old|heavy|wide|fast|often)\b|"
                      r"\bwhat (?:price|percentage|share|figure|amount|number|proportion|rate|value)\b|\bcost\b", re.I),
     re.compile(_NUMBER, re.I)),
    (0.08, re.compile(r"^\s*when\b|\bwhat (?:year|date|day|month)\b", re.I),
     re.compile(r"\b(?:19|20)\d{2}\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d|"
                r"\b\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|"
                r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|last week)\b", re.I)),
    (0.08, re.compile(r"^\s*who\b|\bwhich\b|\bnames?\b", re.I),
     re.compile(r"\b[A-Z][\w'-]*[a-z](?: (?:of |de |van |von |al-)?[A-Z][\w'-]*[a-z])+\b")),
]

ASKS_WHY = ANSWER_TYPES[0][1]


def expected_answers(question: str) -> list[tuple[float, re.Pattern]]:
    """(bonus, pattern) for each kind of answer ``question`` asks for; empty for an open question."""
    return [(bonus, answer) for bonus, asks, answer in ANSWER_TYPES if asks.search(question)]


def answer_bonus(question: str, sentence: str) -> float:
    """The bonus of the best kind of answer ``question`` asks for that ``sentence`` gives.

    Only what the question does not already say counts: "the $100-a-month plan" does not make a
    sentence about $100 a month the answer to "What is the $100-a-month plan called?".
    """
    asked = set(words_and_numbers(question))
    return max((bonus for bonus, answer in expected_answers(question)
                if any(not set(words_and_numbers(m.group(0))) <= asked for m in answer.finditer(sentence))),
               default=0.0)
