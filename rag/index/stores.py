"""Where an index lives: the index folder (``store.py``, the default) or Milvus (``milvus_store.py``).

A store is named by a *target*, given as ``--store`` (or ``--index``) on every command or ``$RAG_STORE``:

    index/                          a folder: FAISS + SQLite + bm25s (the default, ``./index``)
    milvus:///abs/path/news.db      Milvus Lite, embedded in a local file (``milvus://news.db``: relative)
    milvus://host:19530             a Milvus server or cluster, same as ``http://host:19530``
    http(s)://host:19530            a Milvus server or cluster

Both open as an ``Index``; a Milvus one also searches inside Milvus (``MilvusIndex.hybrid_candidates``).
pymilvus is imported only for a Milvus target.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePath

from .store import (
    Index,
    IndexContents,
    current_version,
    open_index,
    write_lock,
    write_version,
)

from .targets import Target, as_target, default_target, is_milvus  # noqa: F401  (named here too)


def resolved(target: Target) -> Target:
    """The same store named independently of the working directory."""
    if not is_milvus(target):
        return Path(target).resolve()
    from .milvus_store import milvus_uri

    uri = milvus_uri(target)
    return target if uri.startswith(("http://", "https://")) else f"milvus://{Path(uri).resolve()}"


def open_store(target: Target) -> Index:
    """The live version of the index ``target`` names."""
    if is_milvus(target):
        from .milvus_store import open_milvus

        return open_milvus(target)
    return open_index(target)


def live_version(target: Target) -> PurePath | None:
    """The name of the live version (a folder, or a Milvus collection), None when there is none."""
    if is_milvus(target):
        from .milvus_store import live_collection

        name = live_collection(target)
        return PurePath(name) if name else None
    return current_version(Path(target))


@contextmanager
def store_lock(target: Target) -> Iterator[None]:
    """One writer at a time (readers never wait)."""
    if is_milvus(target):
        from .milvus_store import milvus_write_lock

        with milvus_write_lock(target):
            yield
    else:
        with write_lock(Path(target)):
            yield


def write_store(target: Target, contents: IndexContents, exact_search_max_chunks: int) -> None:
    """Write a complete new version and make it live atomically. Call under ``store_lock``."""
    if is_milvus(target):
        from .milvus_store import write_milvus

        write_milvus(target, contents)
    else:
        write_version(Path(target), contents, exact_search_max_chunks)
