"""Sentence boundaries with character spans, used by chunking and by the extractive answerer.

A rule-based splitter: no model download, and spans always index the original text exactly.
Breaks after . ! ? (and closing quotes or brackets) before an upper-case letter, digit or quote,
except after common abbreviations and initials; line breaks always end a sentence, so headings,
captions and list items stand alone.
"""
from __future__ import annotations

import re

ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "gen", "col", "lt", "sgt", "capt", "gov",
    "sen", "rep", "rev", "hon", "pres", "inc", "ltd", "co", "corp", "plc", "vs", "etc", "no", "nos",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k",
    "e.g", "i.e", "approx", "est", "dept", "fig", "op", "vol",
}
_BREAK = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9£$€])")
_LINE = re.compile(r"[^\n]+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences of ``text``, trimmed of surrounding space."""
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        start = line.start()
        for mark in _BREAK.finditer(text, line.start(), line.end()):
            if _is_abbreviation(text, start, mark.start()):
                continue
            spans.append((start, mark.end()))
            start = mark.end()
        spans.append((start, line.end()))
    return [s for s in (_trim(text, a, b) for a, b in spans) if s[1] > s[0]]


def _is_abbreviation(text: str, start: int, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word = re.search(r"([\w.]+)$", text[start:dot])
    if not word:
        return False
    token = word.group(1).lower()
    return token in ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
