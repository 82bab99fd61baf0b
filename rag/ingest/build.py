"""Build, update and trim the index: load -> clean -> deduplicate -> chunk -> embed -> store.

Embeddings are reused whenever a chunk's embedded text and model are unchanged, so ``add`` and
rebuilds only embed what is new.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .. import __version__
from ..config import FORMAT_VERSION, ChunkSettings, IndexSettings
from ..errors import (
    IndexIncompatibleError,
    IndexMissingError,
    InputError,
    NothingToIndexError,
)
from ..index.embed import get_embedder, resolve_model, resolve_precision
from ..index.store import (
    Index,
    IndexContents,
    current_version,
    open_index,
    write_lock,
    write_version,
)
from ..types import Article, Duplicate, Problem
from .chunk import chunk_article, embedding_text
from .clean import clean
from .dedup import find_duplicates
from .load import load_documents

# progress(stage, done, total): stages are "load", "embed" and "write".
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BuildReport:
    """What one build, add or remove did."""

    index_dir: Path
    articles: int
    chunks: int
    added: int = 0
    unchanged: int = 0
    removed: int = 0
    embedded: int = 0
    reused: int = 0
    duplicates: list[Duplicate] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    embed_seconds: float = 0.0


def build_index(
    paths: Iterable[str | Path], index_dir: str | Path, settings: IndexSettings = IndexSettings(),
    progress: Progress | None = None,
) -> BuildReport:
    """Index the articles under ``paths`` from scratch, replacing what ``index_dir`` held."""
    started = time.perf_counter()
    index_dir = Path(index_dir)
    articles, problems = _load_articles(paths, progress)
    kept, duplicates = find_duplicates(articles, settings.dedup)
    model_name, _ = resolve_model(settings.embed.model)
    settings = replace(settings, embed=replace(settings.embed, model=model_name,
                                               precision=resolve_precision(settings.embed.precision)))
    with write_lock(index_dir):
        previous = _previous_for_reuse(index_dir, settings)
        return _write(index_dir, kept, duplicates, problems, previous, settings, progress,
                      started, added=len(kept))


def add_to_index(
    paths: Iterable[str | Path], index_dir: str | Path, settings: IndexSettings | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Add new and changed articles; a changed article (same id) replaces its old version.

    Builds the index when there is none yet. The index's own model and chunking are kept.
    """
    index_dir = Path(index_dir)
    if current_version(index_dir) is None:
        return build_index(paths, index_dir, settings or IndexSettings(), progress)
    started = time.perf_counter()
    articles, problems = _load_articles(paths, progress)
    with write_lock(index_dir):
        previous = open_index(index_dir)
        settings = _settings_of(previous, settings)
        old = {a.id: a for a in previous.articles}
        dropped_before = {d.article_id: d for d in previous.duplicates}
        fresh = [a for a in articles if a.id not in old or old[a.id].content_hash != a.content_hash]
        fresh = [a for a in fresh if not (a.id in dropped_before and a.id not in old
                                           and _same_text_as_dropped(a, dropped_before[a.id], old))]
        fresh_ids = {a.id for a in fresh}
        merged = [a for a in previous.articles if a.id not in fresh_ids] + fresh
        kept, new_duplicates = find_duplicates(merged, settings.dedup)
        earlier = [d for d in previous.duplicates if d.article_id not in fresh_ids]
        return _write(index_dir, kept, earlier + new_duplicates, problems, previous, settings,
                      progress, started, added=len(fresh),
                      unchanged=len(articles) - len(fresh), report_duplicates=new_duplicates)


def remove_from_index(
    index_dir: str | Path, *, source: str | None = None, article_id: str | None = None,
    path: str | None = None, progress: Progress | None = None,
) -> BuildReport:
    """Remove the articles matching a source name, an id or a file/folder path, with their chunks."""
    if not (source or article_id or path):
        raise InputError("say what to remove: --source NAME, --id ID or --path PATH")
    started = time.perf_counter()
    index_dir = Path(index_dir)
    resolved = str(Path(path).expanduser().resolve()) if path else None
    with write_lock(index_dir):
        previous = open_index(index_dir)

        def matches(article: Article) -> bool:
            if source and article.source.lower() == source.lower():
                return True
            if article_id and article.id == article_id:
                return True
            file = article.path.split(" (", 1)[0]  # records carry "file (line N)"
            return bool(resolved) and (file == resolved or file.startswith(resolved.rstrip("/") + "/"))

        keep = [a for a in previous.articles if not matches(a)]
        removed = len(previous.articles) - len(keep)
        if not removed:
            what = f"source '{source}'" if source else f"id '{article_id}'" if article_id else f"path '{path}'"
            raise InputError(f"no article in {index_dir} matches {what}")
        kept_ids = {a.id for a in keep}
        duplicates = [d for d in previous.duplicates if d.kept_id in kept_ids]
        return _write(index_dir, keep, duplicates, [], previous, _settings_of(previous, None),
                      progress, started, removed=removed, report_duplicates=[])


def _load_articles(paths: Iterable[str | Path], progress: Progress | None) -> tuple[list[Article], list[Problem]]:
    paths = list(paths)
    documents, problems = load_documents(paths)
    articles: list[Article] = []
    seen: dict[str, str] = {}
    for i, document in enumerate(documents):
        result = clean(document)
        if isinstance(result, Problem):
            problems.append(result)
        elif result.id in seen:
            problems.append(Problem(result.path, f"id '{result.id}' is already used by {seen[result.id]} (skipped)"))
        else:
            seen[result.id] = result.path
            articles.append(result)
        if progress:
            progress("load", i + 1, len(documents))
    if not articles:
        where = ", ".join(str(p) for p in paths)
        raise NothingToIndexError(f"nothing to index in {where}: no usable article found", problems)
    return articles, problems


def _previous_for_reuse(index_dir: Path, settings: IndexSettings) -> Index | None:
    """The live index when its vectors can be reused (same model and precision), else None."""
    try:
        previous = open_index(index_dir)
    except (IndexMissingError, IndexIncompatibleError):
        return None
    same = (previous.model, previous.precision) == (settings.embed.model, settings.embed.precision)
    return previous if same else None


def _settings_of(index: Index, settings: IndexSettings | None) -> IndexSettings:
    """The settings an update must use: the index's model, precision and chunking, whatever else was asked."""
    settings = settings or IndexSettings()
    chunking = index.manifest["chunking"]
    default = IndexSettings().embed
    wanted = resolve_model(settings.embed.model)[0] if settings.embed.model != default.model else None
    if wanted and wanted != index.model:
        raise IndexIncompatibleError(
            f"index at {index.folder.parent} was built with model '{index.model}', not '{wanted}'; "
            f"rebuild it with: rag index build <articles> --index {index.folder.parent} --model {wanted}"
        )
    precision = resolve_precision(settings.embed.precision) if settings.embed.precision != default.precision else None
    if precision and precision != index.precision:
        raise IndexIncompatibleError(
            f"index at {index.folder.parent} was embedded in {index.precision}, not {precision}; rebuild it "
            f"with: rag index build <articles> --index {index.folder.parent} --precision {precision}"
        )
    return replace(settings, chunk=ChunkSettings(**chunking),
                   embed=replace(settings.embed, model=index.model, precision=index.precision))


def _same_text_as_dropped(article: Article, duplicate: Duplicate, old: dict[str, Article]) -> bool:
    kept = old.get(duplicate.kept_id)
    return kept is not None and duplicate.reason == "exact" and kept.content_hash == article.content_hash


def _write(
    index_dir: Path, articles: Sequence[Article], duplicates: Sequence[Duplicate], problems: Sequence[Problem],
    previous: Index | None, settings: IndexSettings, progress: Progress | None,
    started: float, added: int = 0, unchanged: int = 0, removed: int = 0,
    report_duplicates: Sequence[Duplicate] | None = None,
) -> BuildReport:
    model_name, precision = settings.embed.model, settings.embed.precision
    chunks, keys, texts = [], [], []
    for article in articles:
        for chunk in chunk_article(article, settings.chunk):
            text = embedding_text(article, chunk)
            chunks.append(chunk)
            texts.append(text)
            keys.append(hashlib.sha1(f"{model_name}\0{text}".encode()).hexdigest())
    reusable = {key: row for row, key in enumerate(previous.embed_keys)} if previous else {}
    reuse_rows = [i for i, key in enumerate(keys) if key in reusable]
    todo = [i for i, key in enumerate(keys) if key not in reusable]

    embed_started = time.perf_counter()
    dimension = previous.dense.d if previous else get_embedder(model_name, precision).dimension
    vectors = np.zeros((len(chunks), dimension), dtype=np.float32)
    if todo:
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress("embed", done, len(todo))

        vectors[todo] = get_embedder(model_name, precision).embed([texts[i] for i in todo], progress=step)
    if reuse_rows:
        vectors[reuse_rows] = previous.vectors([reusable[keys[i]] for i in reuse_rows])
    embed_seconds = time.perf_counter() - embed_started

    manifest = {
        "format_version": FORMAT_VERSION,
        "newsdesk_version": __version__,
        "model": model_name,
        "embedding": {"model": model_name, "precision": precision},
        "dimension": int(dimension),
        "chunking": {"max_tokens": settings.chunk.max_tokens, "overlap_tokens": settings.chunk.overlap_tokens,
                     "encoding": settings.chunk.encoding},
        "dense_index": "flat" if len(chunks) <= settings.exact_search_max_chunks else "hnsw",
        "counts": {"articles": len(articles), "chunks": len(chunks), "duplicates": len(duplicates),
                   "problems": len(problems)},
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if progress:
        progress("write", 0, 1)
    write_version(index_dir, IndexContents(articles, chunks, vectors, keys, duplicates, problems, manifest),
                  settings.exact_search_max_chunks)
    if progress:
        progress("write", 1, 1)
    return BuildReport(
        index_dir=index_dir, articles=len(articles), chunks=len(chunks), added=added, unchanged=unchanged,
        removed=removed, embedded=len(todo), reused=len(reuse_rows),
        duplicates=list(duplicates if report_duplicates is None else report_duplicates),
        problems=list(problems), seconds=time.perf_counter() - started, embed_seconds=embed_seconds,
    )
