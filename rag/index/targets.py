"""Naming a store: an index folder or a Milvus URI (see ``rag.index.stores`` for what each is).

Kept apart from opening one, and free of numpy, FAISS and bm25s, so that a command that only names a store
(`rag ask` through `rag serve`, `rag --help`) does not import them.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..config import default_index_dir

Target = Path | str  # a folder, or a Milvus URI
_MILVUS_PREFIXES = ("milvus://", "http://", "https://")


def as_target(value: str | Path) -> Target:
    """A store target from a command-line value or a setting: a Milvus URI stays a string, else a Path."""
    return str(value) if str(value).startswith(_MILVUS_PREFIXES) else Path(value)


def default_target() -> Target:
    """``$RAG_STORE`` when set, else the index folder (``$RAG_INDEX_DIR`` or ./index)."""
    return as_target(os.environ.get("RAG_STORE") or default_index_dir())


def is_milvus(target: Target) -> bool:
    return isinstance(target, str)
