"""What Newsdesk knows of English text, defined once: sentences, figures, names, words and numbers.

Sentence boundaries come with character spans, used by chunking, the sentence scorer and the citation
check. A rule-based splitter: no model download, and spans always index the original text exactly.
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


# A number word ("one" is left out: "one of the ..."); "a quarter", "half" and "twice" are figures too.
_NUMBER_WORDS = (r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
                 r"dozens?|hundreds?|thousands?|millions?|billions?|half|quarter|third|twice|double")
# A figure: digits as one token ("$9.74bn", "1,172", "40%") or a number word. ``FIGURE.search`` says
# whether a text gives a figure at all; ``finditer`` yields the figures as written.
FIGURE = re.compile(rf"[$£€]?\d(?:[\d,.]*\d)?(?:bn|m|k|%)?|\b(?:{_NUMBER_WORDS})\b", re.I)
# A capitalised word: a capital and a lower-case letter ("Musk", "McDonald's", "GitHub").
_CAPITALISED = r"[A-Z][\w'’-]*[a-z]"
# A name of two or more capitalised words: "Simona Halep", "Bank of England".
PROPER_NAME = re.compile(rf"\b{_CAPITALISED}(?: (?:of |de |van |von |al-)?{_CAPITALISED})+\b")
# A capitalised word or a number of two or more digits: what a question is about ("the 2018 World Cup").
# A number is read whole: "1,172" and "3.5", never the "172" inside.
NAME_OR_NUMBER = re.compile(rf"\b{_CAPITALISED}[\w'’-]*|\b(?:\d{{2,}}|\d(?=[.,]\d))(?:[.,]\d+)*\b")
# A token that is a name or a code, after any opening quote: "Judge", "H5N5", "DHPP".
NAME_TOKEN = re.compile(rf"^[\"'“‘(]*(?:{_CAPITALISED}|[A-Z][A-Z0-9-]*[0-9][A-Z0-9-]*\b|[A-Z]{{2,}}\b)")


def words_and_numbers(text: str) -> list[str]:
    """Lower-case words and digit runs apart: "15th-century" -> 15, th, century."""
    return re.findall(r"\d+|[^\W\d_]+", text.lower())
