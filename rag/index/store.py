"""The index folder: a FAISS index, a BM25 index and a SQLite database of articles, chunks,
duplicates, problems and the manifest.

Layout::

    index/
      CURRENT            name of the live version folder (replaced atomically)
      v-<time>-<rand>/   meta.sqlite, dense.faiss, bm25/
      .lock              held while a write is under way

Every write builds a complete new version folder and only then points CURRENT at it with an atomic
rename, so a crash, a kill or Ctrl-C mid-build leaves the previous version loadable. Readers that
opened the previous version keep using it; the version before that is removed.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import faiss
import numpy as np

from ..config import FORMAT_VERSION
from ..errors import IndexDamagedError, IndexIncompatibleError, IndexMissingError
from ..types import Article, Chunk, Duplicate, Hit, Problem
from .lexical import LexicalIndex

CURRENT = "CURRENT"
# What CURRENT may name: a version folder written by ``write_version``, nothing else ("../x", "/etc").
VERSION_NAME = re.compile(r"v-\d{8}T\d{6}-[0-9a-f]{6}")
UNKNOWN_SOURCE = "unknown"  # how an article without a source is listed and filtered
SCHEMA = """
CREATE TABLE manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE articles (
    row INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, title TEXT, text TEXT NOT NULL, source TEXT,
    published TEXT, url TEXT, author TEXT, category TEXT, path TEXT, content_hash TEXT, quarantine TEXT);
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, article_row INTEGER NOT NULL REFERENCES articles(row),
    ordinal INTEGER, start INTEGER, end INTEGER, n_tokens INTEGER, embed_key TEXT);
CREATE TABLE duplicates (
    article_id TEXT, kept_id TEXT, path TEXT, reason TEXT, title TEXT, url TEXT, source TEXT, published TEXT);
CREATE TABLE problems (path TEXT, reason TEXT);
"""


@dataclass(frozen=True)
class IndexContents:
    """Everything a version folder holds, as written by ``write_version``."""

    articles: Sequence[Article]
    chunks: Sequence[Chunk]  # grouped by article, in article order
    vectors: np.ndarray  # row i embeds chunks[i]
    embed_keys: Sequence[str]  # hash of (model, embedded text) per chunk: reused when unchanged
    duplicates: Sequence[Duplicate]
    problems: Sequence[Problem]
    manifest: dict


class Index:
    """A loaded index version: metadata in memory, dense and lexical indexes ready to search."""

    def __init__(self, folder: Path):
        self.folder = folder
        if not (folder / "meta.sqlite").is_file() or not (folder / "meta.sqlite").stat().st_size:
            raise IndexDamagedError(f"{folder.name}/meta.sqlite is missing or empty")
        db = sqlite3.connect(f"file:{folder / 'meta.sqlite'}?mode=ro", uri=True)
        try:
            self.manifest = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM manifest")}
            self._check_format()
            # Indexes written before quarantine was recorded have no such column: nothing is quarantined there.
            quarantine = "quarantine" if _has_column(db, "articles", "quarantine") else "''"
            self.articles = [_article(row) for row in db.execute(
                "SELECT id, title, text, source, published, url, author, category, path, content_hash, "
                f"{quarantine} FROM articles ORDER BY row")]
            rows = db.execute("SELECT id, article_row, start, end, embed_key FROM chunks ORDER BY row").fetchall()
            self.duplicates = _duplicates(db)
            self.problems = [Problem(*r) for r in db.execute("SELECT * FROM problems")]
        finally:
            db.close()
        self.article_row = {a.id: i for i, a in enumerate(self.articles)}
        self.chunk_ids = [r[0] for r in rows]
        self.chunk_row = {cid: i for i, cid in enumerate(self.chunk_ids)}
        self.chunk_article = np.array([r[1] for r in rows], dtype=np.int64)
        self.chunk_start = np.array([r[2] for r in rows], dtype=np.int64)
        self.chunk_end = np.array([r[3] for r in rows], dtype=np.int64)
        self.embed_keys = [r[4] for r in rows]
        # Chunk rows of quarantined articles: retrieval leaves them out unless asked (RetrieveSettings).
        self.quarantined = np.array([bool(a.quarantine) for a in self.articles], dtype=bool)[self.chunk_article] \
            if len(rows) else np.zeros(0, dtype=bool)
        if not (folder / "dense.faiss").is_file():
            raise IndexDamagedError(f"{folder.name}/dense.faiss is missing")
        try:
            self.dense = faiss.read_index(str(folder / "dense.faiss"))
        except RuntimeError:  # FAISS says where in its C++ it stopped; the user needs the file
            raise IndexDamagedError(f"{folder.name}/dense.faiss cannot be read (truncated or not a FAISS index)") from None
        if self.dense.ntotal != len(rows) or self.dense.d != self.manifest.get("dimension", self.dense.d):
            raise IndexDamagedError(f"{folder.name}/dense.faiss holds {self.dense.ntotal} vectors of "
                                    f"{self.dense.d} dimensions for {len(rows)} passages")
        if not (folder / "bm25").is_dir():
            raise IndexDamagedError(f"{folder.name}/bm25/ is missing")
        self.lexical = LexicalIndex.load(folder / "bm25", len(rows))

    def _check_format(self) -> None:
        found = self.manifest.get("format_version")
        if found != FORMAT_VERSION:
            raise IndexIncompatibleError(
                f"index at {self.folder.parent} has format version {found}, this Newsdesk reads version "
                f"{FORMAT_VERSION}; rebuild it with: rag index build <articles> --index {self.folder.parent}"
            )

    @property
    def model(self) -> str:
        return self.manifest["model"]

    @property
    def precision(self) -> str:
        """The embedding precision that built the index; indexes from before it was recorded are fp32."""
        return self.manifest.get("embedding", {}).get("precision", "fp32")

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def chunk_text(self, row: int) -> str:
        article = self.articles[self.chunk_article[row]]
        return article.text[self.chunk_start[row]:self.chunk_end[row]]

    def article_of(self, row: int) -> Article:
        return self.articles[self.chunk_article[row]]

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        """Stored embeddings of the given chunk rows."""
        if not len(rows):
            return np.zeros((0, self.dense.d), np.float32)
        return self.dense.reconstruct_batch(np.asarray(rows, dtype=np.int64))

    def all_vectors(self) -> np.ndarray:
        return self.dense.reconstruct_n(0, self.dense.ntotal) if self.dense.ntotal else np.zeros((0, self.dense.d), np.float32)

    def hit(self, row: int, score: float, dense_score: float = 0.0, lexical_score: float = 0.0) -> Hit:
        article = self.article_of(row)
        return Hit(
            chunk_id=self.chunk_ids[row], article_id=article.id, title=article.title, source=article.source,
            published=article.published, url=article.url, text=self.chunk_text(row),
            start=int(self.chunk_start[row]), end=int(self.chunk_end[row]), score=float(score),
            dense_score=float(dense_score), lexical_score=float(lexical_score),
        )

    def copies_of(self, article_id: str) -> list[Duplicate]:
        """The copies of an indexed article that were left out as duplicates, earliest first."""
        return sorted((d for d in self.duplicates if d.kept_id == article_id),
                      key=lambda d: (d.published or date.max, d.source))

    def kept_copy(self, article_id: str) -> str:
        """The id under which an article is indexed: itself, or the copy kept in its place."""
        for dup in self.duplicates:
            if dup.article_id == article_id:
                return dup.kept_id
        return article_id

    def size_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.folder.rglob("*") if f.is_file())


def open_index(index_dir: str | Path) -> Index:
    """Load the live version of the index in ``index_dir``.

    Raises ``IndexMissingError`` when there is none, ``IndexDamagedError`` when it cannot be read as a
    Newsdesk index (truncated or missing files, a foreign folder), each with the command that rebuilds it.
    """
    index_dir = Path(index_dir)
    rebuild = f"rebuild it with: rag index build <articles> --index {index_dir}"
    folder = current_version(index_dir)
    if folder is None:
        if (index_dir / CURRENT).exists():
            raise IndexDamagedError(f"index at {index_dir} is damaged: {CURRENT} does not name a version "
                                    f"folder inside it; {rebuild}")
        raise IndexMissingError(
            f"no index in {index_dir}; build one with: rag index build data/articles --index {index_dir}"
        )
    try:
        return Index(folder)
    except IndexIncompatibleError:
        raise
    # What a truncated, emptied or foreign file raises: SQLite, FAISS (RuntimeError), bm25s, a manifest
    # without the expected keys or values.
    except sqlite3.Error as err:
        raise IndexDamagedError(f"index at {index_dir} is damaged ({folder.name}/meta.sqlite: {err}); "
                                f"{rebuild}") from None
    except (IndexDamagedError, OSError, RuntimeError, ValueError, KeyError, TypeError, IndexError) as err:
        raise IndexDamagedError(f"index at {index_dir} is damaged ({err}); {rebuild}") from None


def current_version(index_dir: Path) -> Path | None:
    """The live version folder, or None when CURRENT is missing or names no version folder in ``index_dir``."""
    try:
        name = (index_dir / CURRENT).read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not VERSION_NAME.fullmatch(name):
        return None
    folder = index_dir / name
    return folder if folder.is_dir() and not folder.is_symlink() else None


@contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time per index folder (readers never wait)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_version(index_dir: Path, contents: IndexContents, exact_search_max_chunks: int) -> Path:
    """Write a complete new version, then make it live atomically. Call under ``write_lock``."""
    index_dir.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(index_dir)
    tmp = index_dir / f".tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        _write_sqlite(tmp / "meta.sqlite", contents)
        faiss.write_index(_dense_index(contents.vectors, exact_search_max_chunks), str(tmp / "dense.faiss"))
        by_id = {a.id: a for a in contents.articles}
        # The title counts for BM25 too: a passage deep in a story still belongs to its subject.
        LexicalIndex.build([f"{by_id[c.article_id].title}\n{c.text}" for c in contents.chunks]).save(tmp / "bm25")
        _fsync_tree(tmp)
        final = index_dir / f"v-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    previous = current_version(index_dir)
    pointer = index_dir / f".{CURRENT}.tmp"
    pointer.write_text(final.name + "\n")
    with open(pointer) as handle:
        os.fsync(handle.fileno())
    os.replace(pointer, index_dir / CURRENT)
    _remove_old_versions(index_dir, keep={final.name, previous.name if previous else ""})
    return final


def _dense_index(vectors: np.ndarray, exact_search_max_chunks: int) -> faiss.Index:
    dim = vectors.shape[1]
    if len(vectors) <= exact_search_max_chunks:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _write_sqlite(path: Path, contents: IndexContents) -> None:
    db = sqlite3.connect(path)
    try:
        db.executescript(SCHEMA)
        db.executemany("INSERT INTO manifest VALUES (?, ?)", [(k, json.dumps(v)) for k, v in contents.manifest.items()])
        rows = {}
        for i, a in enumerate(contents.articles):
            rows[a.id] = i
            db.execute(
                "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (i, a.id, a.title, a.text, a.source, a.published.isoformat() if a.published else None,
                 a.url, a.author, a.category, a.path, a.content_hash, a.quarantine or None),
            )
        db.executemany(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?)",
            [(i, c.id, rows[c.article_id], c.ordinal, c.start, c.end, c.n_tokens, key)
             for i, (c, key) in enumerate(zip(contents.chunks, contents.embed_keys))],
        )
        db.executemany("INSERT INTO duplicates VALUES (?,?,?,?,?,?,?,?)",
                       [(d.article_id, d.kept_id, d.path, d.reason, d.title, d.url, d.source,
                         d.published.isoformat() if d.published else None) for d in contents.duplicates])
        db.executemany("INSERT INTO problems VALUES (?,?)", [(p.path, p.reason) for p in contents.problems])
        db.commit()
    finally:
        db.close()


def _has_column(db: sqlite3.Connection, table: str, column: str) -> bool:
    return column in {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def _duplicates(db: sqlite3.Connection) -> list[Duplicate]:
    if not _has_column(db, "duplicates", "source"):  # written before duplicates kept their source and date
        return [Duplicate(*r) for r in db.execute("SELECT article_id, kept_id, path, reason, title, url FROM duplicates")]
    return [Duplicate(*r[:6], r[6] or "", date.fromisoformat(r[7]) if r[7] else None) for r in db.execute(
        "SELECT article_id, kept_id, path, reason, title, url, source, published FROM duplicates")]


def _article(row: tuple) -> Article:
    published = date.fromisoformat(row[4]) if row[4] else None
    return Article(id=row[0], title=row[1] or "", text=row[2], source=row[3] or "", published=published,
                   url=row[5] or "", author=row[6] or "", category=row[7] or "", path=row[8] or "",
                   content_hash=row[9] or "", quarantine=row[10] or "")


def _fsync_tree(folder: Path) -> None:
    for file in folder.rglob("*"):
        if file.is_file():
            with open(file, "rb") as handle:
                os.fsync(handle.fileno())


def _remove_abandoned(index_dir: Path) -> None:
    """Temporary folders left by a build that was killed (we hold the write lock, so none is live)."""
    for tmp in index_dir.glob(".tmp-*"):
        shutil.rmtree(tmp, ignore_errors=True)


def _remove_old_versions(index_dir: Path, keep: set[str]) -> None:
    for folder in index_dir.glob("v-*"):
        if folder.name not in keep:
            shutil.rmtree(folder, ignore_errors=True)
