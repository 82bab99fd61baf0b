"""Build the index on Ray Data: the same steps as ``build_index``, spread over a Ray cluster or local processes.

    files -> read + clean (Ray tasks) -> deduplicate (driver) -> chunk + embed (Ray actors) -> store (batches)

Each embedding actor loads the model once and keeps it for every batch it is given. Deduplication
compares every article with all the others (MinHash LSH), so it runs once, on the driver, between the
two Ray stages; it is fast next to embedding. Order is preserved, so a Ray build writes the same
chunks in the same order as a local one. ``rag index build --ray`` (or with ``$RAY_ADDRESS`` set)
runs it; nothing else imports Ray.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date
from pathlib import Path

import numpy as np
import ray

from ..config import IndexSettings, RaySettings
from ..index.embed import get_embedder
from ..index.stores import as_target, store_lock
from ..types import Article, Chunk, Problem
from .build import (
    BuildReport,
    Progress,
    chunks_to_embed,
    resolved_settings,
    store_version,
    usable_articles,
)
from .clean import clean
from .dedup import find_duplicates
from .load import files_to_load, load_file


def build_with_ray(
    paths: Iterable[str | Path], index_dir: str | Path, settings: IndexSettings = IndexSettings(),
    ray_settings: RaySettings = RaySettings(), progress: Progress | None = None,
) -> BuildReport:
    """Index the articles under ``paths`` from scratch on Ray, replacing what ``index_dir`` held.

    Uses the Ray already initialised in this process, else the cluster at ``$RAY_ADDRESS``, else a
    local Ray with ``ray_settings.workers`` CPUs.
    """
    started = time.perf_counter()
    paths = list(paths)
    target = as_target(index_dir)
    settings = resolved_settings(settings)  # every worker embeds in the precision the manifest records
    model_name = settings.embed.model
    _connect(ray_settings)
    ray.data.DataContext.get_current().execution_options.preserve_order = True

    files, problems = files_to_load(paths)
    blocks = max(1, len(files) // ray_settings.files_per_task)
    read = ray.data.from_items([{"path": str(f), "id": i} for f, i in files], override_num_blocks=blocks)
    cleaned = [_decode(row) for row in read.flat_map(_read_and_clean).take_all()]
    articles, problems = usable_articles(cleaned, problems, paths)
    if progress:
        progress("load", len(files), len(files))
    kept, duplicates = find_duplicates(articles, settings.dedup)

    embed_started = time.perf_counter()
    rows = [{"article": json.dumps(_encode(a))} for a in kept]
    # At least a block per worker, so a small corpus still keeps every actor busy.
    blocks = min(len(rows), max(ray_settings.workers, -(-len(rows) // ray_settings.articles_per_batch)))
    embedded = ray.data.from_items(rows, override_num_blocks=blocks).map_batches(
        _ChunkAndEmbed, fn_constructor_kwargs={"model": model_name, "settings": settings},
        batch_size=ray_settings.articles_per_batch, num_cpus=1,
        compute=ray.data.ActorPoolStrategy(size=ray_settings.workers),
    )
    chunks: list[Chunk] = []
    keys: list[str] = []
    vectors: list[np.ndarray] = []
    for batch in embedded.iter_batches(batch_size=None, batch_format="numpy"):
        chunks += [Chunk(**json.loads(c)) for c in batch["chunk"]]
        keys += list(batch["key"])
        vectors.append(np.asarray(batch["vector"], dtype=np.float32))
        if progress:
            progress("embed", len(chunks), len(chunks))
    embed_seconds = time.perf_counter() - embed_started

    with store_lock(target):
        store_version(target, kept, chunks, np.vstack(vectors), keys, duplicates, problems, settings, model_name,
                      progress)
    return BuildReport(
        index_dir=target, articles=len(kept), chunks=len(chunks), added=len(kept), embedded=len(chunks),
        duplicates=list(duplicates), problems=list(problems), seconds=time.perf_counter() - started,
        embed_seconds=embed_seconds,
    )


class _ChunkAndEmbed:
    """A Ray actor: loads the embedding model once, then chunks and embeds batch after batch of articles."""

    def __init__(self, model: str, settings: IndexSettings):
        self.model = model
        self.settings = settings
        self.embedder = get_embedder(model, settings.embed.precision)

    def __call__(self, batch: dict) -> dict:
        pieces = [piece for row in batch["article"]
                  for piece in chunks_to_embed(_decode_article(json.loads(row)), self.settings.chunk, self.model)]
        vectors = self.embedder.embed([text for _, text, _ in pieces])
        return {"chunk": [json.dumps(asdict(chunk)) for chunk, _, _ in pieces],
                "key": [key for _, _, key in pieces], "vector": vectors}


def _connect(settings: RaySettings) -> None:
    if ray.is_initialized():
        return
    if os.environ.get("RAY_ADDRESS"):
        ray.init(address=os.environ["RAY_ADDRESS"])
    else:
        ray.init(num_cpus=settings.workers, object_store_memory=settings.local_object_store_bytes,
                 include_dashboard=False)


def _read_and_clean(row: dict) -> list[dict]:
    """One file's articles, cleaned, and its problems, as rows (JSON text: Arrow needs no schema for it)."""
    documents, problems = load_file(Path(row["path"]), row["id"])
    results = [clean(d, problems) for d in documents] + problems  # clean adds metadata problems
    return [{"article": "", "problem": json.dumps(asdict(r))} if isinstance(r, Problem)
            else {"article": json.dumps(_encode(r)), "problem": ""} for r in results]


def _decode(row: dict) -> Article | Problem:
    if row["problem"]:
        return Problem(**json.loads(row["problem"]))
    return _decode_article(json.loads(row["article"]))


def _encode(article: Article) -> dict:
    return {**asdict(article), "published": article.published.isoformat() if article.published else None}


def _decode_article(data: dict) -> Article:
    published = data.pop("published")
    return Article(**data, published=date.fromisoformat(published) if published else None)
