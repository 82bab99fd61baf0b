"""Read a question set: JSON Lines (one question a line) or one JSON list of questions.

Each question has ``question`` (or ``query``) and optionally ``id``, ``answer`` (a string or a
list of acceptable strings), ``answerable``, ``evidence`` (or ``evidence_list``: objects with any of
``doc_id``, ``url``, ``title`` and ``fact``), ``type`` (or ``question_type``) and ``as_of``
(YYYY-MM-DD). The MultiHop-RAG query file is read as it is.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..config import LoadSettings
from ..errors import InputError
from ..ingest.load import parse_json
from .metrics import normalize_answer

# Gold answers that say the articles cannot answer (MultiHop-RAG writes "Insufficient information.").
_NO_ANSWER = {"insufficient information", "unanswerable", "not answerable"}


@dataclass(frozen=True)
class Evidence:
    """An article that supports the answer, named by any of id, url and title, with the supporting fact."""

    doc_id: str = ""
    url: str = ""
    title: str = ""
    fact: str = ""


@dataclass(frozen=True)
class Question:
    """One question of a set; ``answerable`` is False when the articles cannot answer it."""

    id: str
    question: str
    answers: tuple[str, ...] = ()
    answerable: bool = True
    evidence: tuple[Evidence, ...] = ()
    type: str = ""
    as_of: date | None = None


def load_questions(path: str | Path) -> list[Question]:
    """All questions in ``path``; a missing file or a bad line raises ``InputError`` naming it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read ({err})") from None
    items = _json_list(path, text) if text.lstrip().startswith("[") else _json_lines(path, text)
    questions = [_question(path, where, n, item) for n, (where, item) in enumerate(items, 1)]
    if not questions:
        raise InputError(f"{path}: no questions")
    return questions


def _json_list(path: Path, text: str) -> list[tuple[str, object]]:
    try:
        items = parse_json(text, LoadSettings().max_json_depth)
    except json.JSONDecodeError as err:
        raise InputError(f"{path} line {err.lineno}: malformed JSON: {err.msg}") from None
    except ValueError as err:
        raise InputError(f"{path}: {err}") from None
    return [(f"item {i}", item) for i, item in enumerate(items, 1)]


def _json_lines(path: Path, text: str) -> list[tuple[str, object]]:
    items = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append((f"line {lineno}", parse_json(line, LoadSettings().max_json_depth)))
        except json.JSONDecodeError as err:
            raise InputError(f"{path} line {lineno}: malformed JSON: {err.msg}") from None
        except ValueError as err:
            raise InputError(f"{path} line {lineno}: {err}") from None
    return items


def _question(path: Path, where: str, n: int, item: object) -> Question:
    def fail(problem: str) -> InputError:
        return InputError(f"{path} {where}: {problem}")

    if not isinstance(item, dict):
        raise fail("expected a JSON object")
    text = item.get("question") or item.get("query")
    if not isinstance(text, str) or not text.strip():
        raise fail("no 'question' (or 'query') text")
    answers = item.get("answer")
    if answers is None:
        answers = []
    elif isinstance(answers, str):
        answers = [answers]
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        raise fail("'answer' must be a string or a list of strings")
    answerable = item.get("answerable")
    if answerable is None:
        answerable = not answers or not all(normalize_answer(a) in _NO_ANSWER for a in answers)
    elif not isinstance(answerable, bool):
        raise fail("'answerable' must be true or false")
    as_of = item.get("as_of")
    if as_of is not None:
        try:
            as_of = date.fromisoformat(str(as_of))
        except ValueError:
            raise fail(f"as_of '{as_of}' is not a date like 2025-02-22") from None
    kind = item.get("type") or item.get("question_type") or ""
    return Question(
        id=str(item.get("id") or n), question=text.strip(), answers=tuple(answers), answerable=answerable,
        evidence=_evidence(item.get("evidence", item.get("evidence_list")), fail), type=str(kind), as_of=as_of,
    )


def _evidence(value: object, fail) -> tuple[Evidence, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise fail("'evidence' must be a list of objects")
    found = []
    for entry in value:
        if not isinstance(entry, dict):
            raise fail("each evidence entry must be an object with 'doc_id', 'url' or 'title'")
        evidence = Evidence(**{key: str(entry.get(key) or "").strip() for key in ("doc_id", "url", "title", "fact")})
        if not (evidence.doc_id or evidence.url or evidence.title):
            raise fail("an evidence entry names no 'doc_id', 'url' or 'title'")
        found.append(evidence)
    return tuple(found)
