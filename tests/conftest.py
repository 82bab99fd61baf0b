"""Shared fixtures: the sample index is built once per test session from data/articles."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "articles"
SEED_ID = "000_f5fe240bd9425564"


@pytest.fixture(scope="session")
def sample_index_dir(tmp_path_factory) -> Path:
    """An index of the sample corpus (read-only for tests: copy it before changing it)."""
    from rag.ingest.build import build_index

    index_dir = tmp_path_factory.mktemp("sample") / "index"
    build_index([SAMPLE], index_dir)
    return index_dir


@pytest.fixture(scope="session")
def desk(sample_index_dir):
    from rag.desk import Newsdesk

    return Newsdesk(sample_index_dir)


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def write_index(index_dir: Path, articles, chunks, vectors):
    """A real index version of hand-made articles, chunks and vectors (no model), opened for reading."""
    import numpy as np

    from rag.config import FORMAT_VERSION, IndexSettings
    from rag.index.store import IndexContents, open_index, write_version

    vectors = np.asarray(vectors, dtype=np.float32)
    contents = IndexContents(articles=articles, chunks=chunks, vectors=vectors, embed_keys=[""] * len(chunks),
                             duplicates=[], problems=[],
                             manifest={"format_version": FORMAT_VERSION, "model": "hand-made"})
    write_version(index_dir, contents, IndexSettings().exact_search_max_chunks)
    return open_index(index_dir)
