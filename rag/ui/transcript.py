"""The conversation as a Markdown file: questions, answers with [n] markers, and their sources."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..types import Hit
from .turns import ChatTurn


def conversation_markdown(turns: Sequence[ChatTurn], index_name: str = "", now: datetime | None = None) -> str:
    """Markdown a journalist can keep or paste: each answer is followed by its numbered sources and quotes."""
    now = now or datetime.now()
    exported = f"Exported {now:%Y-%m-%d %H:%M}" + (f" from index {index_name}" if index_name else "")
    lines = ["# Newsdesk conversation", "", exported, ""]
    for i, turn in enumerate(turns, 1):
        answer = turn.answer
        lines += [f"## {i}. {turn.question}", "", answer.text, ""]
        if answer.retrieval_query != turn.question:
            lines += [f"*Searched for: {answer.retrieval_query}*", ""]
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
            lines.append(f"   > {' '.join(c.quote.split())}")
        lines.append("")
    return "\n".join(lines)


def _describe(hit: Hit) -> str:
    parts = [f"**{hit.title or hit.article_id}**", hit.source or "unknown source",
             hit.published.isoformat() if hit.published else "undated"]
    if hit.url:
        parts.append(f"<{hit.url}>")
    return ", ".join(parts)
