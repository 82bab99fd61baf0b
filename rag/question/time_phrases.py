"""Time phrases in questions ("latest", "this week", "in February 2025") as a date window.

Relative phrases are relative to an as-of date: the day the question is asked, by default the date
of the newest article in the index. Retrieval uses the window to favour articles from those
dates; it never throws away articles outside it or without a date.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
_MONTH = r"(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?"


@dataclass(frozen=True)
class TimeIntent:
    """A window of dates the question asks about (either end may be open), and/or a wish for the newest."""

    start: date | None
    end: date | None
    recent: bool
    phrase: str

    def score(self, published: date | None, as_of: date) -> float:
        """How well an article date fits, in [0, 1]; 0.5 for an undated article."""
        if published is None:
            return 0.5
        value = 1.0
        if self.start and published < self.start:
            value = min(value, 0.5 ** ((self.start - published).days / 7))
        if self.end and published > self.end:
            value = min(value, 0.5 ** ((published - self.end).days / 7))
        if self.recent:
            age = (as_of - published).days
            value = min(value, 0.0 if age < 0 else 0.5 ** (age / 30))
        return value


# A question naming no time asks about the news as of the day it is asked ("Which show was green lit for a new
# season?"): read as "latest". Retrieval applies it only when the question names no year, quarter or edition either.
NEWEST_FIRST = TimeIntent(start=None, end=None, recent=True, phrase="none named, newest first")


def parse_time(question: str, as_of: date) -> TimeIntent | None:
    """The time intent of ``question``, or None when it names no time."""
    q = question.lower()
    start = end = None
    phrases = []
    recent = bool(re.search(r"\b(latest|most recent|newest|recently|lately|so far)\b", q))
    if recent:
        phrases.append("latest")

    def window(s: date | None, e: date | None, phrase: str) -> None:
        nonlocal start, end
        start, end = s, e
        phrases.append(phrase)

    if m := re.search(r"\btoday\b", q):
        window(as_of, as_of, m.group(0))
    elif m := re.search(r"\byesterday\b", q):
        window(as_of - timedelta(days=1), as_of - timedelta(days=1), m.group(0))
    elif m := re.search(r"\b(?:past|last) (\d+) days\b", q):
        window(as_of - timedelta(days=int(m.group(1))), as_of, m.group(0))
    elif m := re.search(r"\bthis week\b", q):
        window(as_of - timedelta(days=as_of.weekday()), as_of, m.group(0))
    elif m := re.search(r"\b(?:last|past) week\b", q):
        monday = as_of - timedelta(days=as_of.weekday() + 7)
        window(monday, monday + timedelta(days=6), m.group(0))
    elif m := re.search(r"\bthis month\b", q):
        window(as_of.replace(day=1), as_of, m.group(0))
    elif m := re.search(r"\blast month\b", q):
        last = as_of.replace(day=1) - timedelta(days=1)
        window(last.replace(day=1), last, m.group(0))
    elif m := re.search(r"\bthis year\b", q):
        window(date(as_of.year, 1, 1), as_of, m.group(0))
    elif m := re.search(r"\blast year\b", q):
        window(date(as_of.year - 1, 1, 1), date(as_of.year - 1, 12, 31), m.group(0))
    elif m := re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?{_MONTH},? ?(\d{{4}})?\b", q):
        day = _day(int(m.group(1)), MONTHS[m.group(2)], m.group(3), as_of)
        if day:
            window(day, day, m.group(0))
    elif m := re.search(rf"\b{_MONTH} (\d{{1,2}})(?:st|nd|rd|th)?(?:,? (\d{{4}}))?\b", q):
        day = _day(int(m.group(2)), MONTHS[m.group(1)], m.group(3), as_of)
        if day:
            window(day, day, m.group(0))
    elif m := re.search(rf"\b(?:in|during|of|from) {_MONTH}(?:,? (\d{{4}}))?\b", q):
        month = MONTHS[m.group(1)]
        year = int(m.group(2)) if m.group(2) else (as_of.year if month <= as_of.month else as_of.year - 1)
        window(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), m.group(0))
    elif m := re.search(r"\b(?:in|during) (19\d{2}|20\d{2})\b", q):
        year = int(m.group(1))
        window(date(year, 1, 1), date(year, 12, 31), m.group(0))
    if not phrases:
        return None
    return TimeIntent(start=start, end=end, recent=recent, phrase=", ".join(phrases))


def _day(day: int, month: int, year: str | None, as_of: date) -> date | None:
    y = int(year) if year else (as_of.year if (month, day) <= (as_of.month, as_of.day) else as_of.year - 1)
    try:
        return date(y, month, day)
    except ValueError:
        return None
