"""Read article files from disk into ``Document`` objects, one per article.

Supported: .txt, .md, .html/.htm (one article per file), .json (one object or a list), .jsonl
and .csv (one article per record). Problems (binary, undecodable, empty, malformed, too large, too
deep, a symlink out of the folder) are returned with the path and reason; they never stop the rest
of the load. Text that is not UTF-8 is decoded with the encoding charset-normalizer detects.
"""
from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import charset_normalizer

from ..config import LoadSettings
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


def load_documents(paths: Iterable[str | Path], settings: LoadSettings = LoadSettings()
                   ) -> tuple[list[Document], list[Problem]]:
    """Read every supported file under ``paths`` (folders recursively, or single files).

    A file-per-article gets its path relative to the folder given, without extension, as id;
    a record keeps its own ``id`` or gets one derived from its content.
    """
    documents: list[Document] = []
    files, problems = files_to_load(paths)
    for file, rel_id in files:
        docs, probs = load_file(file, rel_id, settings)
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
        for file, rel_id in _files_under(root, problems):
            if file.suffix.lower() not in SUPPORTED_SUFFIXES:
                problems.append(Problem(str(file), f"unsupported file type '{file.suffix or file.name}' (skipped)"))
            else:
                files.append((file, rel_id))
    return files, problems


def _files_under(root: Path, problems: list[Problem]) -> Iterator[tuple[Path, str]]:
    """Files under ``root``, sorted. Symlinks are followed only to files inside ``root``; others are reported."""
    if root.is_file():
        yield root, root.stem
        return
    files: list[Path] = []
    for folder, dirs, names in os.walk(root):  # never follows symlinked folders: no loops, no escapes
        folder = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # hidden folders (.git)
        for name in dirs + names:
            path = folder / name
            if name.startswith(".") or (path.is_dir() and not path.is_symlink()):
                continue  # hidden files (.DS_Store); real folders are walked
            problem = _symlink_problem(path, root) if path.is_symlink() else None
            if problem is None and not path.is_file():
                problem = "not a regular file (skipped)"  # a FIFO or device would block or never end
            if problem:
                problems.append(Problem(str(path), problem))
            else:
                files.append(path)
    for file in sorted(files):
        yield file, file.relative_to(root).with_suffix("").as_posix()


def _symlink_problem(link: Path, root: Path) -> str | None:
    """Why a symlink is not read, or None for a link to a file inside the indexed folder."""
    try:
        target = link.resolve(strict=True)
    except RuntimeError:
        return "symlink loop (not followed)"
    except OSError as err:
        return "symlink loop (not followed)" if err.errno == errno.ELOOP else "broken symlink (not followed)"
    if not target.is_relative_to(root):
        return f"symlink to {target}, outside the indexed folder (not followed)"
    if target.is_dir():
        return "symlink to a folder (not followed: its files are indexed where they are)"
    return None


def load_file(file: Path, article_id: str, settings: LoadSettings = LoadSettings()
              ) -> tuple[list[Document], list[Problem]]:
    """Read one file; ``article_id`` is used when the file is a single article."""
    text, problems = _read_text(file, settings)
    if text is None:
        return [], problems
    suffix = file.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return [Document(id=article_id, path=str(file), kind=TEXT_SUFFIXES[suffix], body=text)], problems
    if suffix == ".json":
        try:
            data = parse_json(text, settings.max_json_depth)
        except json.JSONDecodeError as err:
            return [], problems + [Problem(str(file), f"malformed JSON: {err.msg} at line {err.lineno} column {err.colno}")]
        except ValueError as err:
            return [], problems + [Problem(str(file), str(err))]
        items = data if isinstance(data, list) else [data]
        docs, probs = _records(file, ((f"record {i + 1}", item) for i, item in enumerate(items)))
    elif suffix == ".jsonl":
        docs, probs = _records(file, _jsonl_items(text, settings.max_json_depth))
    else:
        docs, probs = _records(file, _csv_items(text))
    return docs, problems + probs


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def parse_json(text: str, max_depth: int) -> object:
    """``json.loads`` that refuses nesting deeper than ``max_depth`` (ValueError) instead of overflowing."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > max_depth:
                raise ValueError(f"JSON nested deeper than {max_depth} levels (not read)")
        elif bracket in ("]", "}"):
            depth -= 1
    return json.loads(text)


def _read_text(file: Path, settings: LoadSettings) -> tuple[str | None, list[Problem]]:
    """The file's text, or None; with problems worth reporting either way (an unusual encoding, NULs)."""
    one_article = file.suffix.lower() in TEXT_SUFFIXES
    limit, name = ((settings.max_file_bytes, "max_file_bytes") if one_article
                   else (settings.max_records_file_bytes, "max_records_file_bytes"))
    try:
        size = file.stat().st_size
        if size > limit:
            return None, [Problem(str(file), f"{size / 1e6:.1f} MB, over the {limit / 1e6:g} MB limit per file "
                                             f"(skipped; see LoadSettings.{name})")]
        raw = file.read_bytes()
    except OSError as err:
        return None, [Problem(str(file), f"unreadable: {err.strerror or err}")]
    if not raw.strip():
        return None, [Problem(str(file), "empty file")]
    text, encoding = _decode(raw)
    if text is None:
        return None, [Problem(str(file), "binary file, not text" if b"\x00" in raw[:8192]
                                          else "cannot decode as text in any known encoding")]
    problems = []
    if encoding not in ("utf_8", "utf_16"):
        problems.append(Problem(str(file), f"not UTF-8: read as {encoding}"))
    if "\x00" in text:
        text = text.replace("\x00", "")
        problems.append(Problem(str(file), "NUL characters removed"))
    if not text.strip():
        return None, [Problem(str(file), "empty file")]
    return text, problems


def _decode(raw: bytes) -> tuple[str | None, str]:
    """Text and the encoding it was read in: UTF-8 (or UTF-16 with a BOM) first, else what charset-normalizer
    detects, with Windows-1252 preferred among equally good guesses (Western news is the common case)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf_16"
        except UnicodeDecodeError:
            pass
    else:
        try:
            text = raw.decode("utf-8-sig")
            if "\x00" not in text[:8192] or text[:8192].count("\x00") < 16:
                return text, "utf_8"  # a stray NUL is removed; many of them mean UTF-16 or binary
        except UnicodeDecodeError:
            pass
    matches = charset_normalizer.from_bytes(raw)
    best = matches.best()
    if best is None:
        return None, ""
    encoding = best.encoding
    if any("cp1252" in m.could_be_from_charset for m in matches if m.chaos <= best.chaos):
        encoding = "cp1252"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        return None, ""
    controls = sum(1 for c in text[:8192] if c < " " and c not in "\n\r\t\f")
    return (None, "") if controls > len(text[:8192]) // 100 else (text, encoding)


def _jsonl_items(text: str, max_depth: int) -> Iterator[tuple[str, object]]:
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield f"line {lineno}", parse_json(line, max_depth)
        except json.JSONDecodeError as err:
            yield f"line {lineno}", ValueError(f"malformed JSON: {err.msg}")
        except ValueError as err:
            yield f"line {lineno}", err


def _csv_items(text: str) -> Iterator[tuple[str, object]]:
    """Records with the line they start on. ``strict`` makes an unterminated quote an error instead of a
    field that runs to the end of the file; a quoted field holding whole lines that parse as records of
    their own is a quote left open earlier, and is reported rather than indexed as one article."""
    csv.field_size_limit(sys.maxsize)
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as err:
        yield "line 1", ValueError(f"malformed CSV header: {err}" if isinstance(err, csv.Error) else "no header")
        return
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            yield f"line {start}", ValueError(f"malformed CSV record: {err}; lines {start}-{reader.line_num} "
                                              "not read (a quote left open?)")
            if reader.line_num < start:
                return
            start = reader.line_num + 1  # the reader goes on with the next line
            continue
        where, start = f"line {start}", reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield where, ValueError(f"malformed CSV record: {len(row)} fields, the header has {len(header)}")
        elif swallowed := _swallowed_rows(row, len(header)):
            yield where, ValueError(f"malformed CSV record: a quoted field holds {swallowed} lines that read as "
                                    "records of their own (a quote left open?)")
        else:
            yield where, dict(zip(header, row))


def _swallowed_rows(row: list[str], width: int) -> int:
    """Lines inside the row's fields that look like records: as many fields as the header, and a first
    field (an id, a date) without spaces. Prose with that many commas starts with a phrase."""
    if width < 2:
        return 0
    lines = [line for cell in row if "\n" in cell for line in cell.splitlines()[1:]]
    return sum(1 for fields in csv.reader(lines)
               if len(fields) == width and fields[0].strip() and not any(c.isspace() for c in fields[0].strip()))


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
        notes: list[str] = []
        body = _first(record, TEXT_FIELDS, notes)
        meta = {name: value for name, keys in META_FIELDS.items() if (value := _first(record, keys, notes))}
        problems += [Problem(f"{file} ({where})", note) for note in notes]
        if not body:
            problems.append(Problem(f"{file} ({where})", "no text: expected a 'text', 'body' or 'content' field"))
            continue
        article_id = _first(record, ("id", "doc_id", "article_id"), notes) or _content_id(meta.get("title", ""), body)
        documents.append(Document(id=article_id, path=f"{file} ({where})", kind="record", body=body, meta=meta))
    return documents, problems


def _first(record: dict, keys: Iterable[str], notes: list[str]) -> str:
    """The first of ``keys`` holding text. Objects and nested lists are never turned into text: noted instead."""
    for key in keys:
        value = record.get(key)
        if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
            value = ", ".join(str(v) for v in value if v)
        if isinstance(value, (dict, list)):
            notes.append(f"field '{key}' holds {'an object' if isinstance(value, dict) else 'a nested list'}, "
                         "not text (ignored)")
            continue
        if value is not None and str(value).strip():
            return str(value).strip()
    return ""


def _content_id(title: str, body: str) -> str:
    """A stable id for a record that has none: the same content always gets the same id."""
    return hashlib.sha1(f"{title}\n{body}".encode()).hexdigest()[:16]
