"""Read article files from disk into ``Document`` objects, one per article.

Supported: .txt, .md, .html/.htm (one article per file), .json (one object or a list), .jsonl
and .csv (one article per record). Problems (binary, undecodable, empty, malformed) are returned
with the path and reason; they never stop the rest of the load.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import InputError
from ..types import Document, Problem

TEXT_SUFFIXES = {".txt": "text", ".md": "text", ".markdown": "text", ".html": "html", ".htm": "html"}
RECORD_SUFFIXES = {".json", ".jsonl", ".csv"}
SUPPORTED_SUFFIXES = set(TEXT_SUFFIXES) | RECORD_SUFFIXES

# Field names accepted in records, first match wins.
TEXT_FIELDS = ("text", "body", "content")
META_FIELDS = {
    "title": ("title", "headline"),
    "source": ("source", "site", "sitename", "publisher"),
    "published": ("published", "published_at", "date", "publish_date"),
    "url": ("url", "link"),
    "author": ("author", "authors", "byline"),
    "category": ("category", "section"),
}


def load_documents(paths: Iterable[str | Path]) -> tuple[list[Document], list[Problem]]:
    """Read every supported file under ``paths`` (folders recursively, or single files).

    A file-per-article gets its path relative to the folder given, without extension, as id;
    a record keeps its own ``id`` or gets one derived from its content.
    """
    documents: list[Document] = []
    files, problems = files_to_load(paths)
    for file, rel_id in files:
        docs, probs = load_file(file, rel_id)
        documents.extend(docs)
        problems.extend(probs)
    return documents, problems


def files_to_load(paths: Iterable[str | Path]) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """Every supported file under ``paths`` with the id it gets as a single article, in reading order;
    unsupported files as problems."""
    files: list[tuple[Path, str]] = []
    problems: list[Problem] = []
    for root in paths:
        root = Path(root).expanduser().resolve()
        if not root.exists():
            raise InputError(f"{root}: no such file or folder")
        for file, rel_id in _files_under(root):
            if file.suffix.lower() not in SUPPORTED_SUFFIXES:
                problems.append(Problem(str(file), f"unsupported file type '{file.suffix or file.name}' (skipped)"))
            else:
                files.append((file, rel_id))
    return files, problems


def _files_under(root: Path) -> Iterator[tuple[Path, str]]:
    if root.is_file():
        yield root, root.stem
        return
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = file.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue  # hidden files and folders (.git, .DS_Store)
        yield file, rel.with_suffix("").as_posix()


def load_file(file: Path, article_id: str) -> tuple[list[Document], list[Problem]]:
    """Read one file; ``article_id`` is used when the file is a single article."""
    text, problem = _read_text(file)
    if problem:
        return [], [problem]
    suffix = file.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return [Document(id=article_id, path=str(file), kind=TEXT_SUFFIXES[suffix], body=text)], []
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            return [], [Problem(str(file), f"malformed JSON: {err.msg} at line {err.lineno} column {err.colno}")]
        items = data if isinstance(data, list) else [data]
        return _records(file, ((f"record {i + 1}", item) for i, item in enumerate(items)))
    if suffix == ".jsonl":
        return _records(file, _jsonl_items(text))
    return _records(file, _csv_items(text))


def _read_text(file: Path) -> tuple[str, Problem | None]:
    try:
        raw = file.read_bytes()
    except OSError as err:
        return "", Problem(str(file), f"unreadable: {err.strerror or err}")
    if not raw.strip():
        return "", Problem(str(file), "empty file")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), None
        except UnicodeDecodeError:
            return "", Problem(str(file), "cannot decode as UTF-16")
    if b"\x00" in raw[:8192]:
        return "", Problem(str(file), "binary file, not text")
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as err:
        return "", Problem(str(file), f"cannot decode as UTF-8 (byte {err.start})")


def _jsonl_items(text: str) -> Iterator[tuple[str, object]]:
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield f"line {lineno}", json.loads(line)
        except json.JSONDecodeError as err:
            yield f"line {lineno}", ValueError(f"malformed JSON: {err.msg}")


def _csv_items(text: str) -> Iterator[tuple[str, object]]:
    csv.field_size_limit(sys.maxsize)
    try:
        reader = csv.DictReader(io.StringIO(text))
        for i, row in enumerate(reader):
            yield f"row {i + 2}", row  # row 1 is the header
    except csv.Error as err:
        yield f"row {reader.line_num}", ValueError(f"malformed CSV: {err}")


def _records(file: Path, items: Iterable[tuple[str, object]]) -> tuple[list[Document], list[Problem]]:
    documents: list[Document] = []
    problems: list[Problem] = []
    for where, item in items:
        if isinstance(item, ValueError):
            problems.append(Problem(f"{file} ({where})", str(item)))
            continue
        if not isinstance(item, dict):
            problems.append(Problem(f"{file} ({where})", "not an object with a text field"))
            continue
        record = {str(k).strip().lower(): v for k, v in item.items() if k is not None}
        body = _first(record, TEXT_FIELDS)
        if not body:
            problems.append(Problem(f"{file} ({where})", "no text: expected a 'text', 'body' or 'content' field"))
            continue
        meta = {name: value for name, keys in META_FIELDS.items() if (value := _first(record, keys))}
        article_id = _first(record, ("id", "doc_id", "article_id")) or _content_id(meta.get("title", ""), body)
        documents.append(Document(id=article_id, path=f"{file} ({where})", kind="record", body=body, meta=meta))
    return documents, problems


def _first(record: dict, keys: Iterable[str]) -> str:
    for key in keys:
        value = record.get(key)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value if v)
        if value is not None and str(value).strip():
            return str(value).strip()
    return ""


def _content_id(title: str, body: str) -> str:
    """A stable id for a record that has none: the same content always gets the same id."""
    return hashlib.sha1(f"{title}\n{body}".encode()).hexdigest()[:16]
