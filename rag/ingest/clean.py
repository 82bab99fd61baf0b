"""Turn a ``Document`` into an ``Article``: main text, title, date and source.

HTML pages go through trafilatura, a main-text extractor made for news pages. Plain-text scrapes
(like the seed page) get line-level rules: a front-matter or ``Key: value`` header, a site-name
line and a dateline above the headline, a duplicated headline, player and newsletter remains, and a
trailing list of unrelated headlines. Everything else is kept verbatim, since answers quote it.
"""
from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timedelta
from urllib.parse import urlparse

from dateutil import parser as date_parser

from ..config import LoadSettings
from ..types import Article, Document, Problem

HEADER_KEYS = {
    "title": "title", "headline": "title", "source": "source", "site": "source", "publisher": "source",
    "date": "published", "published": "published", "published_at": "published", "url": "url",
    "link": "url", "author": "author", "by": "author", "category": "category", "section": "category",
}
# Whole lines that are page chrome wherever they stand.
CHROME_LINES = {
    "newsletter", "advertisement", "advert", "close", "×", "share", "share this article", "subscribe",
    "sign up", "menu", "search", "skip to content", "listen to this article", "play", "pause",
    "watch", "read more", "back to top", "print", "email", "comments",
}
# A line that starts the trailing block of links to other stories.
TRAILER_MARKERS = re.compile(
    r"^(related articles?|related stories|related|more stories|more from .{1,40}|most read|most popular|"
    r"you may also like|recommended( for you)?|top stories|latest news|read next)\s*:?$",
    re.IGNORECASE,
)
PLAYER_TIME = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?(\s*/\s*\d{1,2}:\d{2}(:\d{2})?)?$")
YEAR = re.compile(r"\b(19|20)\d{2}\b")
SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")


def clean(document: Document, problems: list[Problem] | None = None,
          settings: LoadSettings = LoadSettings()) -> Article | Problem:
    """Clean one document; a document with no usable text becomes a ``Problem``.

    Metadata that cannot be used (a date that is no date or lies in the future, a broken front matter)
    is left out of the article and, when ``problems`` is given, reported there.
    """
    notes: list[str] = []
    if document.kind == "html":
        fields = _clean_html(document.body)
        if fields is None:
            return Problem(document.path, "no article text found in the HTML page")
    elif document.kind == "text":
        fields = _clean_text(document.body, notes)
    else:
        fields = {"text": document.body.strip()}
    meta = {**{k: v for k, v in fields.items() if v}, **document.meta}
    text = meta.get("text", "")
    if len(text) < settings.min_text_chars:
        return Problem(document.path, "no article text after cleaning")
    url = meta.get("url", "")
    written = meta.get("published", "").strip()
    published = parse_date(written)
    if written and published is None:
        try:
            published = date.fromisoformat(written[:10])  # a real date outside 1900-2099 ("9999-12-31")
        except ValueError:
            notes.append(f"date '{written[:40]}' is not a date (kept undated)")
    if published and published > date.today() + timedelta(days=settings.max_days_ahead):
        notes.append(f"date {published} lies in the future (kept undated)")
        published = None
    if problems is not None:
        problems += [Problem(document.path, note) for note in notes]
    return Article(
        id=document.id,
        title=meta.get("title") or _title_from_id(document.id),
        text=text,
        source=meta.get("source") or _site_from_url(url),
        published=published,
        url=url,
        author=meta.get("author", ""),
        category=meta.get("category", ""),
        path=document.path,
        content_hash=content_hash(text),
    )


def content_hash(text: str) -> str:
    """Hash of the text with case and whitespace normalised: equal hashes mean exact duplicates."""
    return hashlib.sha1(" ".join(text.lower().split()).encode()).hexdigest()


def parse_date(value: str) -> date | None:
    """Parse an ISO date/datetime or a written date ("Saturday, Feb 22, 2025"); None if it is none."""
    value = (value or "").strip()
    if not value or not YEAR.search(value):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        pass
    try:
        return date_parser.parse(value, fuzzy=False, default=datetime(2000, 1, 1)).date()
    except (ValueError, OverflowError):
        return None


def _clean_html(html: str) -> dict[str, str] | None:
    import trafilatura  # imported here: it is slow to import and only HTML needs it

    document = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=False)
    extracted = document.as_dict() if document else {}
    if not (extracted.get("text") or "").strip():
        return None
    title = (extracted.get("title") or "").strip()
    lines = [line.strip() for line in extracted["text"].splitlines() if line.strip()]
    if lines and title and _same(lines[0], title):
        lines = lines[1:]  # the <h1> repeats the title
    return {
        "title": title,
        "text": "\n\n".join(lines),
        "source": (extracted.get("sitename") or "").strip(),
        "published": extracted.get("date") or "",
        "url": extracted.get("url") or "",
        "author": _joined(extracted.get("author")),
        "category": _joined(extracted.get("categories")),
    }


def _joined(value) -> str:
    return ", ".join(str(v) for v in value if v) if isinstance(value, list) else str(value or "")


def _clean_text(body: str, notes: list[str]) -> dict[str, str]:
    meta, lines = _split_header(body.replace("\r\n", "\n").replace("\r", "\n").split("\n"), notes)
    lines = _cut_trailer(lines)
    lines = [line for line in lines if not _is_chrome(line)]
    meta, lines = _take_head(meta, lines)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines)).strip()
    return {**meta, "text": text}


def _split_header(lines: list[str], notes: list[str]) -> tuple[dict[str, str], list[str]]:
    """Front matter (``---`` ... ``---``) or leading ``Key: value`` lines with known keys."""
    meta: dict[str, str] = {}
    if lines and lines[0].strip() == "---":
        for end in range(1, min(len(lines), 60)):
            if lines[end].strip() == "---":
                for line in lines[1:end]:
                    _header_line(line, meta, notes)
                return meta, lines[end + 1:]
        # Never closed: its "key: value" lines are still the header, not the story's first lines.
        notes.append("front matter opened with '---' is never closed")
        i = 1
        while i < len(lines) and _header_line(lines[i], meta, notes):
            i += 1
        return meta, lines[i:]
    i = 0
    found: list[str] = []
    while i < len(lines) and _header_line(lines[i], meta, found):
        i += 1
    if i and (i == len(lines) or not lines[i].strip()):
        notes += found
        return meta, lines[i:]
    return {}, lines


def _header_line(line: str, meta: dict[str, str], notes: list[str]) -> bool:
    """Read one ``key: value`` header line into ``meta``; a value that is broken YAML is noted, not used."""
    key, sep, value = line.partition(":")
    field = HEADER_KEYS.get(key.strip().lower())
    if not sep or field is None:
        return False
    value = value.strip()
    closing = {"[": "]", "{": "}", '"': '"', "'": "'"}.get(value[:1])
    if closing and (len(value) < 2 or not value.endswith(closing)):
        notes.append(f"header line '{line.strip()[:60]}' is not valid YAML (ignored)")
        return True
    meta[field] = value.strip("\"'")
    return True


def _cut_trailer(lines: list[str]) -> list[str]:
    """Drop a trailing "Related Articles" block and a trailing run of bare headlines."""
    body_lines = sum(1 for line in lines if len(line.strip()) > 80)
    seen_long = 0
    for i, line in enumerate(lines):
        if len(line.strip()) > 80:
            seen_long += 1
        if TRAILER_MARKERS.match(line.strip()) and seen_long >= max(2, body_lines // 2):
            lines = lines[:i]
            break
    # A run of 4+ consecutive short lines with no sentence ending, closing the page, is a link list.
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start and lines[start - 1].strip() and _headline_like(lines[start - 1]):
        start -= 1
    if end - start >= 4 and start > 0:
        lines = lines[:start]
    while lines and (not lines[-1].strip() or _is_chrome(lines[-1])):
        lines = lines[:-1]
    return lines


def _take_head(meta: dict[str, str], lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """Site line, dateline and headline at the top of a scraped page; the headline only once."""
    meta = dict(meta)
    head = [i for i, line in enumerate(lines) if line.strip()][:6]
    dateline = next((i for i in head[:4] if _is_dateline(lines[i])), None)
    drop: set[int] = set()
    if dateline is not None:
        before = [i for i in head if i < dateline]
        if len(before) == 1 and len(lines[before[0]].strip()) <= 60:
            meta.setdefault("source", lines[before[0]].strip())
            drop.add(before[0])
        meta.setdefault("published", lines[dateline].strip())
        drop.add(dateline)
    rest = [i for i in head if i not in drop and (dateline is None or i > dateline)]
    if rest:
        first = lines[rest[0]].strip()
        heading = first.lstrip("#").strip()
        if "title" not in meta and _headline_like(first) and len(heading) <= 200:
            meta["title"] = heading
        if "title" in meta and _same(heading, meta["title"]):
            drop.add(rest[0])
            if len(rest) > 1 and _same(lines[rest[1]].strip().lstrip("#").strip(), meta["title"]):
                drop.add(rest[1])  # scrapes often repeat the headline
    return meta, [line for i, line in enumerate(lines) if i not in drop]


def _is_dateline(line: str) -> bool:
    line = line.strip()
    return 6 <= len(line) <= 40 and bool(YEAR.search(line)) and parse_date(line) is not None


def _is_chrome(line: str) -> bool:
    stripped = line.strip()
    return stripped.lower() in CHROME_LINES or bool(PLAYER_TIME.match(stripped))


def _headline_like(line: str) -> bool:
    line = line.strip()
    return 0 < len(line) <= 160 and not SENTENCE_END.search(line)


def _same(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def _title_from_id(article_id: str) -> str:
    return article_id.rsplit("/", 1)[-1].replace("-", " ").replace("_", " ").strip().capitalize()


def _site_from_url(url: str) -> str:
    host = urlparse(url).netloc.lower()
    return host[4:] if host.startswith("www.") else host
