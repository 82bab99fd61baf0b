"""Build, update and trim the index: load -> clean -> deduplicate -> chunk -> embed -> store.

Embeddings are reused whenever a chunk's embedded text and model are unchanged, so ``add`` and
rebuilds only embed what is new.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .. import __version__
from ..config import FORMAT_VERSION, ChunkSettings, EmbedSettings, IndexSettings
from ..errors import (
    IndexDamagedError,
    IndexIncompatibleError,
    IndexMissingError,
    InputError,
    NothingToIndexError,
)
from ..index.embed import get_embedder, resolve_model, resolve_precision
from ..index.store import Index, IndexContents
from ..index.stores import Target, as_target, open_store, store_lock, write_store
from ..types import Article, Chunk, Duplicate, Problem
from .chunk import chunk_article, embedding_text
from .clean import clean, content_hash
from .dedup import find_duplicates
from .injection import injection_reason
from .load import load_documents

# progress(stage, done, total): stages are "load", "embed" and "write".
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BuildReport:
    """What one build, add or remove did."""

    index_dir: Target
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
    """Index the articles under ``paths`` from scratch, replacing what ``index_dir`` held.

    A damaged index folder is no obstacle: its vectors are not reused and a new version replaces it.
    """
    started = time.perf_counter()
    index_dir = as_target(index_dir)
    articles, problems = _load_articles(paths, settings, progress)
    kept, duplicates = find_duplicates(articles, settings.dedup)
    settings = resolved_settings(settings)
    model_name = settings.embed.model
    # Embedding, the long part, runs before the write lock is taken: other writers wait only for the write.
    plan = _plan(kept, settings, model_name)
    vectors, embedded, seconds = _vectors(plan, _previous_for_reuse(index_dir, settings), {}, settings.embed,
                                          progress)
    with store_lock(index_dir):
        return _write(index_dir, kept, plan, vectors, duplicates, problems, settings, model_name, progress,
                      started, embedded, seconds, added=len(kept))


def add_to_index(
    paths: Iterable[str | Path], index_dir: str | Path, settings: IndexSettings | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Add new and changed articles; a changed article (same id) replaces its old version.

    Builds the index when there is none yet. The index's own model and chunking are kept. Concurrent
    adds never lose each other's articles: new articles are embedded before the write lock is taken,
    and merged under it with the index as it is then (which another writer may have changed meanwhile).
    """
    started = time.perf_counter()
    index_dir = as_target(index_dir)
    base = _live_index(index_dir)  # a damaged index is refused before any article is read
    articles, problems = _load_articles(paths, settings or IndexSettings(), progress)
    base_settings = _settings_of(base, settings) if base else resolved_settings(settings or IndexSettings())
    model_name = base_settings.embed.model
    fresh = _fresh(articles, base)
    fresh_plan = _plan(fresh, base_settings, model_name)
    fresh_vectors, embedded, seconds = _vectors(fresh_plan, base, {}, base_settings.embed, progress)
    ready = dict(zip(fresh_plan.keys, fresh_vectors))
    with store_lock(index_dir):
        previous = _live_index(index_dir)
        if previous is None:
            kept, duplicates = find_duplicates(articles, base_settings.dedup)
            plan = _plan(kept, base_settings, model_name)
            vectors, late, late_seconds = _vectors(plan, None, ready, base_settings.embed, progress)
            return _write(index_dir, kept, plan, vectors, duplicates, problems, base_settings, model_name,
                          progress, started, embedded + late, seconds + late_seconds, added=len(kept))
        settings = _settings_of(previous, settings)
        fresh = _fresh(articles, previous)
        fresh_ids = {a.id for a in fresh}
        merged = [a for a in previous.articles if a.id not in fresh_ids] + fresh
        kept, new_duplicates = find_duplicates(merged, settings.dedup)
        earlier = [d for d in previous.duplicates if d.article_id not in fresh_ids]
        plan = _plan(kept, settings, previous.model)
        vectors, late, late_seconds = _vectors(plan, previous, ready, settings.embed, progress)
        return _write(index_dir, kept, plan, vectors, earlier + new_duplicates, problems, settings,
                      previous.model, progress, started, embedded + late, seconds + late_seconds, added=len(fresh),
                      unchanged=len(articles) - len(fresh), report_duplicates=new_duplicates)


def remove_from_index(
    index_dir: str | Path, *, source: str | None = None, article_id: str | None = None,
    path: str | None = None, progress: Progress | None = None,
) -> BuildReport:
    """Remove the articles matching a source name, an id or a file/folder path, with their chunks."""
    if not (source or article_id or path):
        raise InputError("say what to remove: --source NAME, --id ID or --path PATH")
    started = time.perf_counter()
    index_dir = as_target(index_dir)
    resolved = str(Path(path).expanduser().resolve()) if path else None
    with store_lock(index_dir):
        previous = open_store(index_dir)

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
        settings = _settings_of(previous, None)
        plan = _plan(keep, settings, previous.model)
        vectors, _, _ = _vectors(plan, previous, {}, settings.embed, progress)
        return _write(index_dir, keep, plan, vectors, duplicates, [], settings, previous.model, progress,
                      started, 0, 0.0, removed=removed, report_duplicates=[])


def _load_articles(paths: Iterable[str | Path], settings: IndexSettings,
                   progress: Progress | None) -> tuple[list[Article], list[Problem]]:
    paths = list(paths)
    documents, problems = load_documents(paths, settings.load)

    def cleaned() -> Iterator[Article | Problem]:
        for i, document in enumerate(documents):
            yield clean(document, problems, settings.load)
            if progress:
                progress("load", i + 1, len(documents))

    return usable_articles(cleaned(), problems, paths, settings)


def usable_articles(cleaned: Iterable[Article | Problem], problems: list[Problem], paths: Sequence[str | Path],
                    settings: IndexSettings = IndexSettings()) -> tuple[list[Article], list[Problem]]:
    """The cleaned articles in reading order, the first of each id, cut to the length limit and checked for
    planted instructions; the rest become problems."""
    articles: list[Article] = []
    seen: dict[str, str] = {}
    for result in cleaned:
        if isinstance(result, Problem):
            problems.append(result)
        elif result.id in seen:
            problems.append(Problem(result.path, f"id '{result.id}' is already used by {seen[result.id]} (skipped)"))
        else:
            seen[result.id] = result.path
            articles.append(_quarantined(_cut(result, settings.load.max_article_chars, problems), problems))
    if not articles:
        where = ", ".join(str(p) for p in paths)
        raise NothingToIndexError(f"nothing to index in {where}: no usable article found", problems)
    return articles, problems


def _cut(article: Article, limit: int, problems: list[Problem]) -> Article:
    """An article no longer than ``limit`` characters, cut at a word end; the cut is reported."""
    if len(article.text) <= limit:
        return article
    end = article.text.rfind(" ", 0, limit)
    end = end if end > limit // 2 else limit
    problems.append(Problem(article.path, f"{len(article.text):,} characters, over the {limit:,} limit per "
                                          "article: cut there (see LoadSettings.max_article_chars)"))
    text = article.text[:end]
    return replace(article, text=text, content_hash=content_hash(text))


def _quarantined(article: Article, problems: list[Problem]) -> Article:
    """The article flagged when its text addresses the assistant (rag/ingest/injection.py); reported."""
    reason = injection_reason(f"{article.title}\n{article.text}")
    if reason is None:
        return article
    problems.append(Problem(article.path, f"quarantined, left out of answers: {reason}"))
    return replace(article, quarantine=reason)


def _live_index(index_dir: Target) -> Index | None:
    """The live index, None when there is none yet; a damaged one raises ``IndexDamagedError``."""
    try:
        return open_store(index_dir)
    except IndexMissingError:
        return None


def _fresh(articles: Sequence[Article], index: Index | None) -> list[Article]:
    """The articles ``index`` does not hold yet, or holds in another version."""
    if index is None:
        return list(articles)
    old = {a.id: a for a in index.articles}
    dropped_before = {d.article_id: d for d in index.duplicates}
    fresh = [a for a in articles if a.id not in old or old[a.id].content_hash != a.content_hash]
    return [a for a in fresh if not (a.id in dropped_before and a.id not in old
                                     and _same_text_as_dropped(a, dropped_before[a.id], old))]


def _previous_for_reuse(index_dir: Target, settings: IndexSettings) -> Index | None:
    """The live index when its vectors can be reused (same model and precision, readable), else None."""
    try:
        previous = open_store(index_dir)
    except (IndexMissingError, IndexIncompatibleError, IndexDamagedError):
        return None
    same = (previous.model, previous.precision) == (settings.embed.model, settings.embed.precision)
    return previous if same else None


def resolved_settings(settings: IndexSettings) -> IndexSettings:
    """``settings`` with the model's recorded name and the precision this machine will embed in."""
    embed = replace(settings.embed, model=resolve_model(settings.embed.model)[0],
                    precision=resolve_precision(settings.embed.precision))
    return replace(settings, embed=embed)


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


@dataclass(frozen=True)
class _Plan:
    """The chunks of a list of articles, with the text each is embedded as and its reuse key."""

    chunks: list
    texts: list[str]
    keys: list[str]


def _plan(articles: Sequence[Article], settings: IndexSettings, model_name: str) -> _Plan:
    chunks, texts, keys = [], [], []
    for article in articles:
        for chunk, text, key in chunks_to_embed(article, settings.chunk, model_name):
            chunks.append(chunk)
            texts.append(text)
            keys.append(key)
    return _Plan(chunks, texts, keys)


def chunks_to_embed(article: Article, settings: ChunkSettings, model_name: str) -> list[tuple[Chunk, str, str]]:
    """The article's chunks, each with the text to embed and its key: a hash of (model, text)."""
    return [(chunk, text, hashlib.sha1(f"{model_name}\0{text}".encode()).hexdigest())
            for chunk in chunk_article(article, settings) for text in [embedding_text(article, chunk)]]


def _vectors(plan: _Plan, previous: Index | None, ready: dict[str, np.ndarray], embed: EmbedSettings,
             progress: Progress | None) -> tuple[np.ndarray, int, float]:
    """A vector per chunk: from ``previous`` or ``ready`` when the key matches, else embedded; how many were
    embedded, and in how many seconds."""
    started = time.perf_counter()
    reusable = {key: row for row, key in enumerate(previous.embed_keys)} if previous else {}
    dimension = previous.manifest["dimension"] if previous else get_embedder(embed.model, embed.precision).dimension
    vectors = np.zeros((len(plan.keys), dimension), dtype=np.float32)
    reuse_rows = [i for i, key in enumerate(plan.keys) if key in reusable]
    todo = [i for i, key in enumerate(plan.keys) if key not in reusable and key not in ready]
    for i, key in enumerate(plan.keys):
        if key in ready and key not in reusable:
            vectors[i] = ready[key]
    if todo:
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress("embed", done, len(todo))

        vectors[todo] = get_embedder(embed.model, embed.precision).embed([plan.texts[i] for i in todo], progress=step)
    if reuse_rows:
        vectors[reuse_rows] = previous.vectors([reusable[plan.keys[i]] for i in reuse_rows])
    return vectors, len(todo), time.perf_counter() - started


def _write(
    index_dir: Target, articles: Sequence[Article], plan: _Plan, vectors: np.ndarray, duplicates: Sequence[Duplicate],
    problems: Sequence[Problem], settings: IndexSettings, model_name: str, progress: Progress | None,
    started: float, embedded: int, embed_seconds: float, added: int = 0, unchanged: int = 0, removed: int = 0,
    report_duplicates: Sequence[Duplicate] | None = None,
) -> BuildReport:
    """Write a new version (call under ``store_lock``)."""
    store_version(index_dir, articles, plan.chunks, vectors, plan.keys, duplicates, problems, settings, model_name,
                  progress)
    chunks = plan.chunks
    return BuildReport(
        index_dir=index_dir, articles=len(articles), chunks=len(chunks), added=added, unchanged=unchanged,
        removed=removed, embedded=embedded, reused=len(chunks) - embedded,
        duplicates=list(duplicates if report_duplicates is None else report_duplicates),
        problems=list(problems), seconds=time.perf_counter() - started, embed_seconds=embed_seconds,
    )


def store_version(
    index_dir: Target, articles: Sequence[Article], chunks: Sequence[Chunk], vectors: np.ndarray,
    keys: Sequence[str], duplicates: Sequence[Duplicate], problems: Sequence[Problem], settings: IndexSettings,
    model_name: str, progress: Progress | None,
) -> None:
    """Write the chunks and their vectors as a new version, with its manifest, and make it live."""
    manifest = {
        "format_version": FORMAT_VERSION,
        "newsdesk_version": __version__,
        "model": model_name,
        "embedding": {"model": model_name, "precision": resolve_precision(settings.embed.precision)},
        "dimension": int(vectors.shape[1]),
        "chunking": {"max_tokens": settings.chunk.max_tokens, "overlap_tokens": settings.chunk.overlap_tokens,
                     "encoding": settings.chunk.encoding},
        "dense_index": "flat" if len(chunks) <= settings.exact_search_max_chunks else "hnsw",
        "counts": {"articles": len(articles), "chunks": len(chunks), "duplicates": len(duplicates),
                   "problems": len(problems)},
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if progress:
        progress("write", 0, 1)
    write_store(index_dir, IndexContents(articles, chunks, vectors, keys, duplicates, problems, manifest),
                settings.exact_search_max_chunks)
    if progress:
        progress("write", 1, 1)
