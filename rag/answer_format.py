"""Answers as plain text for the terminal and as plain data for JSON (CLI, eval reports)."""
from __future__ import annotations

import textwrap
from datetime import date

from .types import Answer, Citation, Hit


def answer_to_text(answer: Answer) -> str:
    lines = [textwrap.fill(answer.text, 100), ""]
    warnings = [note for note in answer.notes if note.startswith("warning:")]
    if warnings:
        lines += [textwrap.fill(w, 100) for w in warnings] + [""]
    if answer.abstained:
        if answer.abstain_reason:
            lines += [textwrap.fill(answer.abstain_reason, 100), ""]
        lines.append("Closest sources:" if answer.passages else "No sources found.")
        for i, hit in enumerate(answer.passages, 1):
            lines.append(f"  - {_describe(hit)}")
    else:
        lines.append("Sources:")
        for c in answer.citations:
            flag = "" if c.verified else "  (not verified)"
            lines.append(f"[{c.n}] {_describe(c.hit)}{flag}")
            lines.append(textwrap.indent(textwrap.fill(f"“{c.quote}”", 96), "    "))
    return "\n".join(lines)


def _describe(hit: Hit) -> str:
    parts = [hit.title, hit.source or "unknown source", hit.published.isoformat() if hit.published else "undated"]
    if hit.url:
        parts.append(hit.url)
    return " — ".join(parts)


def hit_to_dict(hit: Hit) -> dict:
    return {"article_id": hit.article_id, "chunk_id": hit.chunk_id, "title": hit.title, "source": hit.source,
            "published": hit.published.isoformat() if hit.published else None, "url": hit.url,
            "score": round(hit.score, 6), "text": hit.text}


def answer_to_dict(answer: Answer) -> dict:
    return {
        "question": answer.question,
        "retrieval_query": answer.retrieval_query,
        "answer": answer.text,
        "abstained": answer.abstained,
        "abstain_reason": answer.abstain_reason,
        "backend": answer.backend,
        "citations": [
            {"n": c.n, "article_id": c.hit.article_id, "title": c.hit.title, "source": c.hit.source,
             "published": c.hit.published.isoformat() if c.hit.published else None, "url": c.hit.url,
             "chunk_id": c.hit.chunk_id, "quote": c.quote, "passage": c.hit.text, "verified": c.verified}
            for c in answer.citations
        ],
        "passages": [hit_to_dict(h) for h in answer.passages],
        "latency_ms": round(answer.latency_ms, 1),
        "notes": answer.notes,
    }


def answer_from_dict(data: dict) -> Answer:
    """The answer ``answer_to_dict`` wrote, as far as it keeps it (passage offsets in the article are not kept)."""
    def hit(d: dict, text: str) -> Hit:
        published = date.fromisoformat(d["published"]) if d["published"] else None
        return Hit(chunk_id=d["chunk_id"], article_id=d["article_id"], title=d["title"], source=d["source"],
                   published=published, url=d["url"], text=text, start=0, end=0, score=d.get("score", 0.0))

    citations = []
    for c in data["citations"]:
        start = max(c["passage"].find(c["quote"]), 0)
        citations.append(Citation(c["n"], hit(c, c["passage"]), c["quote"], start, start + len(c["quote"]),
                                  c["verified"]))
    return Answer(question=data["question"], text=data["answer"], abstained=data["abstained"],
                  citations=citations, passages=[hit(p, p["text"]) for p in data["passages"]],
                  backend=data["backend"], retrieval_query=data["retrieval_query"],
                  latency_ms=data["latency_ms"], notes=data["notes"], abstain_reason=data["abstain_reason"])
