"""Figures read for comparisons (rag.answer.magnitude): their sort and value, what is not a figure compared."""
from __future__ import annotations

import pytest

from rag.answer.magnitude import figures


@pytest.mark.parametrize("sentence, read", [
    ("It cost $9.74bn.", [("$", 9.74e9)]),
    ("A budget of at least €9 million, then €6.5 million.", [("€", 9e6), ("€", 6.5e6)]),
    ("Reports put it at around $1bn (£790m).", [("$", 1e9), ("£", 790e6)]),
    ("He was jailed for eight years and six months.", [("time", 8 * 365 + 6 * 30.4)]),
    ("They received 12 years and nine years respectively.", [("time", 12 * 365), ("time", 9 * 365)]),
    ("Sales rose 38% and 9.3 per cent.", [("share", 38), ("share", 9.3)]),
    ("It recorded 100 million sign-ups; more than one million joined.", [("count", 1e8), ("count", 1e6)]),
])
def test_figures_are_read_with_their_sort_and_value(sentence, read):
    assert [(f.sort, f.value) for f in figures(sentence)] == [(s, pytest.approx(v)) for s, v in read]


@pytest.mark.parametrize("sentence", [
    "The skipper, Darius Whitlow, 41, from Liverpool, was arrested.",  # an age between commas
    "It opened in July 2023.",  # a year
    "He first floated it nearly two years ago.",  # a time ago, not a duration compared
    "A 21-year-old was charged.",
])
def test_ages_years_and_times_ago_are_no_figures_to_compare(sentence):
    assert figures(sentence) == []
