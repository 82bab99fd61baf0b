"""The conversation as a Markdown file: questions, answers with [n] markers, and their sources.

Everything from the articles (and the question) is escaped: an article's ``<script>``, ``[x](javascript:...)``
or ``<javascript:...>`` arrives as text, never as markup or a link. Only http(s) URLs become links.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote, urlparse

from ..types import Hit
from .turns import ChatTurn


def conversation_markdown(turns: Sequence[ChatTurn], index_name: str = "", now: datetime | None = None) -> str:
    """Markdown a journalist can keep or paste: each answer is followed by its numbered sources and quotes."""
    now = now or datetime.now()
    exported = f"Exported {now:%Y-%m-%d %H:%M}" + (f" from index {index_name}" if index_name else "")
    lines = ["# Newsdesk conversation", "", exported, ""]
    for i, turn in enumerate(turns, 1):
        answer = turn.answer
        lines += [f"## {i}. {escape(turn.question)}", "", escape(answer.text), ""]
        if answer.retrieval_query != turn.question:
            lines += [f"*Searched for: {escape(answer.retrieval_query)}*", ""]
        lines += [f"*Options: {turn.options.describe()}*", ""]
        if answer.abstained:
            if answer.passages:
                lines += ["Closest sources:", ""]
                lines += [f"- {_describe(hit)}" for hit in answer.passages]
                lines.append("")
            continue
        lines += ["Sources:", ""]
        for c in answer.citations:
            lines.append(f"{c.n}. {_describe(c.hit)}" + ("" if c.verified else " (not verified)"))
            lines.append(f"   > {escape(' '.join(c.quote.split()))}")
        lines.append("")
    return "\n".join(lines)


# Markdown's own characters, each written as a backslash escape; a citation marker "[2]" stays as it is
# unless a "(", "[" or ":" after it could make it a link.
_MARKDOWN = re.compile(r"\[\d+\](?![(\[:])|([\\`*_{}\[\]()#+!|~])")


def escape(text: str) -> str:
    """``text`` as literal Markdown: no HTML, no links, no emphasis of its own."""
    text = _MARKDOWN.sub(lambda m: "\\" + m.group(1) if m.group(1) else m.group(), text.replace("\r", " "))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def safe_url(url: str) -> str | None:
    """``url`` percent-encoded for an autolink, or None unless it is http(s) with a host."""
    parsed = urlparse(url.strip())
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
        return None
    return quote(url.strip(), safe=":/?#@!$&'*+,;=%~-._")


def _describe(hit: Hit) -> str:
    parts = [f"**{escape(hit.title or hit.article_id)}**", escape(hit.source or "unknown source"),
             hit.published.isoformat() if hit.published else "undated"]
    url = safe_url(hit.url) if hit.url else None
    if url:
        parts.append(f"<{url}>")
    return ", ".join(parts)
