"""Article text as safe HTML with highlighted spans.

Article text is untrusted: every piece is ``html.escape``d before any tag is added, so markup or
script inside an article always shows as text. Each result is one line wrapped in a ``<div>``:
Markdown takes such a block as raw HTML, so ``*``, ``$`` or ``#`` in an article are not read as
formatting either. Line and paragraph breaks become tags (a blank line would end the block), and a
Markdown heading line in an article ("## Burst water main") shows as a bold line without its ``#``.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from ..text import split_sentences
from ..types import Citation, Hit

_MARKER = re.compile(r"\[(\d+)\]")
_MARKERS_AFTER = re.compile(r"(?:\s*\[\d+\])*")
_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+([^\n]*)$", re.MULTILINE)
# A first sentence this short is the answer itself ("Simona Halep. [1]"), shown above its support.
SHORT_ANSWER_WORDS = 8


@dataclass(frozen=True)
class Span:
    """Characters ``start:end`` of a text, to be wrapped in ``<mark class="css">``."""

    start: int
    end: int
    css: str


def escape(text: str, line_start: bool = True) -> str:
    """Plain text as HTML on one line: escaped, heading lines in bold, line breaks as ``<br>``.

    ``line_start`` is False for a piece cut from the middle of a line: its first line is no heading.
    """
    text = html.escape(text.replace("\r\n", "\n").replace("\r", "\n"), quote=False)
    first, newline, rest = text.partition("\n")
    text = (_HEADING.sub(_heading, first) if line_start else first) + newline + _HEADING.sub(_heading, rest)
    text = re.sub(r"\n\s*\n\s*", '<span class="nd-gap"></span>', text)  # a paragraph break, not a blank line
    return text.replace("\n", "<br>")


def _heading(match: re.Match) -> str:
    # The heading's words may sit in the next piece of a marked text: then only the "##" goes.
    return f'<strong class="nd-h">{match.group(1)}</strong>' if match.group(1) else ""


def marked(text: str, spans: Iterable[Span] = ()) -> str:
    """``text`` escaped, each span wrapped in a ``<mark>``; spans may nest (an inner one is cut to its outer one)."""
    ordered = sorted((s for s in spans if 0 <= s.start < s.end), key=lambda s: (s.start, -s.end))
    out: list[str] = []
    open_ends: list[int] = []
    pos = 0

    def piece(end: int) -> str:
        return escape(text[pos:end], line_start=pos == 0 or text[pos - 1] == "\n")

    def close_until(limit: int) -> None:
        nonlocal pos
        while open_ends and open_ends[-1] <= limit:
            end = open_ends.pop()
            out.append(piece(end) + "</mark>")
            pos = end

    for span in ordered:
        close_until(span.start)
        start = max(span.start, pos)
        end = min(span.end, open_ends[-1] if open_ends else len(text))
        if start >= end:
            continue
        out.append(piece(start) + f'<mark class="{span.css}">')
        open_ends.append(end)
        pos = start
    close_until(len(text))
    out.append(piece(len(text)))
    return "".join(out)


def block(css: str, inner_html: str) -> str:
    """One ``<div>`` line: st.markdown(..., unsafe_allow_html=True) renders it as HTML, not Markdown."""
    return f'<div class="{css}">{inner_html}</div>'


def anchor(turn: int, n: int) -> str:
    """The element id of source ``n`` of the ``turn``-th answer: what its ``[n]`` marker links to."""
    return f"nd-{turn}-{n}"


def answer_html(text: str, turn: int | None = None, citations: Sequence[Citation] = (), lead: bool = False) -> str:
    """Answer text with each ``[n]`` marker as a link to source ``n`` below it (plain while streaming).

    With ``lead``, a short first sentence (the short answer) is set apart above the rest.
    """
    titles = {c.n: c.hit.title for c in citations}

    def link(match: re.Match) -> str:
        n = int(match.group(1))
        if turn is None or n not in titles:
            return f'<span class="nd-cite">{match.group(0)}</span>'
        title = html.escape(titles[n], quote=True)
        return f'<a class="nd-cite" href="#{anchor(turn, n)}" title="{title}">{match.group(0)}</a>'

    short, rest = short_answer(text) if lead else ("", text)
    inner = _MARKER.sub(link, escape(rest))
    if short:
        inner = block("nd-short", _MARKER.sub(link, escape(short))) + inner
    return block("nd-answer", inner)


def short_answer(text: str) -> tuple[str, str]:
    """``text`` split into its first sentence, with the markers that follow it, and the rest, when that
    sentence has at most ``SHORT_ANSWER_WORDS`` words; otherwise ``("", text)``."""
    sentences = split_sentences(text)
    if not sentences:
        return "", text
    start, end = sentences[0]
    end = _MARKERS_AFTER.match(text, end).end()  # "Simona Halep. [1]": its markers go with it
    short = text[start:end]
    if len(_MARKER.sub(" ", short).split()) > SHORT_ANSWER_WORDS:
        return "", text
    return short, text[end:].strip()


def passage_html(hit: Hit, citations: Sequence[Citation] = ()) -> str:
    """The passage, with every sentence cited from it highlighted."""
    spans = [Span(c.quote_start, c.quote_end, "nd-quote") for c in citations]
    return block("nd-passage-text", marked(hit.text, spans))


def article_html(article_text: str, hit: Hit, citations: Sequence[Citation] = ()) -> str:
    """The whole article, with the passage and, inside it, every sentence cited from it highlighted."""
    spans = [Span(hit.start, hit.end, "nd-passage")]
    spans += [Span(hit.start + c.quote_start, hit.start + c.quote_end, "nd-quote") for c in citations]
    return block("nd-article", marked(article_text, spans))


def source_head_html(hit: Hit, numbers: Sequence[int], turn: int) -> str:
    """Numbers, title (a link when the article has a web address), source and date of a source.

    Each number carries the id its ``[n]`` marker links to, so every marker lands on this card.
    """
    title = html.escape(hit.title or hit.article_id, quote=False)
    if safe_url(hit.url):
        href = html.escape(hit.url, quote=True)
        title = f'<a href="{href}" target="_blank" rel="noopener noreferrer">{title}</a>'
    meta = " · ".join(html.escape(part, quote=False) for part in (hit.source or "Unknown source",
                                                                    nice_date(hit.published)))
    badges = "".join(f'<span class="nd-n" id="{anchor(turn, n)}">{n}</span>' for n in numbers)
    return (f'<div class="nd-source-head"><span class="nd-ns">{badges}</span>'
            f'<div><div class="nd-title">{title}</div><div class="nd-meta">{meta}</div></div></div>')


def question_html(question: str) -> str:
    return block("nd-question", escape(question))


def nice_date(day: date | None) -> str:
    return f"{day.day} {day:%b %Y}" if day else "undated"


def count(n: int, noun: str) -> str:
    """``1 article``, ``45 articles``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def size(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.1f} MB" if n_bytes >= 1e5 else f"{n_bytes / 1e3:.0f} kB"


def safe_url(url: str) -> bool:
    """Only web addresses become links (never ``javascript:`` and the like)."""
    return url.lower().startswith(("http://", "https://"))
