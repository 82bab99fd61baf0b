"""The index in Milvus, through ``pymilvus.MilvusClient``: Milvus Lite for a local file, the same code for a server.

A version is two collections behind one alias (``MilvusSettings.alias``, default ``newsdesk``):

    newsdesk_v<time>_<rand>           one row a chunk: its article's metadata (id, title, source, published
                                      as YYYYMMDD, url), span, text, a dense vector and a BM25 sparse vector
    newsdesk_v<time>_<rand>_records   articles, duplicates, problems and the manifest, as JSON

Every write fills a new pair and only then moves the alias (``create_alias``/``alter_alias``), so a build
that fails or is killed midway leaves the previous version answering. The live version and the one before
it are kept (readers that opened it keep working); older ones are dropped.

Search runs inside Milvus: a dense search and a BM25 search (Milvus's own ``FunctionType.BM25`` over a
VARCHAR field), source and date filters as filter expressions in both; their candidates are fused by the
same code as the folder store's (``rag.fusion``), with the same BM25 scores. Milvus Lite ignores the
analyzer's ``stemmer`` and ``stop`` filters (milvus-lite 3.2.2), so the BM25 field holds the chunk's index
terms (``rag.index.lexical.terms``: stemmed, stop words out) and queries are reduced the same way: both
stores match the same terms.
"""
from __future__ import annotations

import fcntl
import json
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache
from pathlib import Path, PurePosixPath

import numpy as np
from pymilvus import DataType, Function, FunctionType, MilvusClient

from ..config import LexicalSettings, MilvusSettings
from ..errors import IndexMissingError
from ..fusion import Candidates
from ..types import Article, Duplicate, Problem
from .lexical import LexicalIndex, terms, with_equivalents
from .store import UNKNOWN_SOURCE, Index, IndexContents

_CHUNK_FIELDS = ["id", "row", "article_id", "start", "end", "embed_key"]
# Milvus Lite has no server timestamp to give a query iterator; pymilvus warns on every read and then
# uses the client's clock, which is right for a local file.
logging.getLogger("pymilvus.client.iterator.query_iterator").setLevel(logging.ERROR)


def milvus_uri(target: str) -> str:
    """What ``MilvusClient`` opens for a store target: a local ``.db`` file or a server URL."""
    if target.startswith("milvus://"):
        rest = target.removeprefix("milvus://")
        return rest if rest.endswith(".db") else f"http://{rest}"
    return target


@cache
def _client(uri: str) -> MilvusClient:
    # One client a store per process: Milvus Lite starts its engine on open (1-2 s) and lets one process
    # at a time hold its file.
    if not uri.startswith(("http://", "https://")):
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    return MilvusClient(uri)


class MilvusIndex(Index):
    """A live Milvus version, read like the folder store's ``Index``; search goes to Milvus.

    Article metadata and chunk spans are held in memory as the folder store holds them (answers quote
    articles and show their neighbours); vectors stay in Milvus and are fetched by chunk id.
    """

    def __init__(self, target: str, collection: str):
        self.target = target
        self.collection = collection
        self.folder = PurePosixPath(collection)  # the version's name, as the folder store's version folder
        self._client = _client(milvus_uri(target))
        self._client.load_collection(collection)
        records = _read_records(self._client, _records_of(collection))
        self.manifest = records["manifest"][0]
        self._check_format()
        self.articles = [_article(r) for r in records["article"]]
        self.duplicates = [_duplicate(r) for r in records["duplicate"]]
        self.problems = [Problem(**r) for r in records["problem"]]
        rows = sorted(_query_all(self._client, collection, _CHUNK_FIELDS), key=lambda r: r["row"])
        self.article_row = {a.id: i for i, a in enumerate(self.articles)}
        self.chunk_ids = [r["id"] for r in rows]
        self.chunk_row = {cid: i for i, cid in enumerate(self.chunk_ids)}
        self.chunk_article = np.array([self.article_row[r["article_id"]] for r in rows], dtype=np.int64)
        self.chunk_start = np.array([r["start"] for r in rows], dtype=np.int64)
        self.chunk_end = np.array([r["end"] for r in rows], dtype=np.int64)
        self.embed_keys = [r["embed_key"] for r in rows]
        self.quarantined = np.array([bool(a.quarantine) for a in self.articles], dtype=bool)[self.chunk_article] \
            if rows else np.zeros(0, dtype=bool)
        # The grounding scorer weighs words by IDF (rag.grounding.scorer); Milvus keeps its BM25 statistics
        # to itself, so they are counted here over the same texts the folder store indexes.
        self.lexical = LexicalIndex.build([f"{self.article_of(i).title}\n{self.chunk_text(i)}" for i in range(len(rows))])

    def vectors(self, rows) -> np.ndarray:
        """Stored embeddings of the given chunk rows, fetched from Milvus."""
        dimension = int(self.manifest["dimension"])
        ids = [self.chunk_ids[int(r)] for r in rows]
        found: dict[str, list[float]] = {}
        step = MilvusSettings().insert_batch
        for i in range(0, len(ids), step):
            for hit in self._client.get(self.collection, ids=ids[i:i + step], output_fields=["dense"]):
                found[hit["id"]] = hit["dense"]
        return np.array([found[i] for i in ids], dtype=np.float32).reshape(len(ids), dimension)

    def all_vectors(self) -> np.ndarray:
        return self.vectors(range(len(self)))

    def search_candidates(self, query_vector: np.ndarray, query: str, n: int, filters) -> Candidates:
        """The top ``n`` rows of a dense and of a BM25 search inside Milvus, filtered there, each row scored by
        both searches as the folder store scores them (``rag.fusion``): the dense score from the row's stored
        vector, the BM25 score from the same bm25s statistics the folder store keeps (``self.lexical``, held
        for the grounding checks anyway). Milvus Lite 3.2.2 ignores the BM25 index's ``bm25_b`` (a search with
        b 0 and b 1 scores alike), so its own scores would rank long chunks above short ones."""
        expression = filter_expression(filters)
        dense = self._search("dense", query_vector.tolist(), n, expression)
        query_terms = " ".join(with_equivalents(terms(query)))
        lexical = self._search("sparse", query_terms, n, expression) if query_terms else []
        scores = self.lexical.scores(query)
        return Candidates.of(dense, lexical, lambda rows: self.vectors(rows) @ query_vector, lambda rows: scores[rows])

    def _search(self, field: str, query, n: int, expression: str) -> list[int]:
        """The rows of one Milvus search (dense, or BM25), best first."""
        found = self._client.search(self.collection, data=[query], anns_field=field, limit=n, filter=expression,
                                    output_fields=["row"])
        return [int(h["entity"]["row"]) for h in found[0]]

    def size_bytes(self) -> int:
        """Milvus Lite's data folder on disk; 0 for a server, whose storage is its own."""
        return sum(f.stat().st_size for f in Path(milvus_uri(self.target)).rglob("*") if f.is_file())


def filter_expression(filters) -> str:
    """A Milvus filter expression for source and date filters (``rag.retrieve.Filters``); '' for none."""
    parts = []
    if filters.sources:
        parts.append(f"source_key in {json.dumps(sorted({s.lower() for s in filters.sources}))}")
    if filters.since:
        parts.append(f"published >= {_day(filters.since)}")
    if filters.until:
        parts.append(f"published > 0 and published <= {_day(filters.until)}")
    return " and ".join(parts)


def live_collection(target: str, settings: MilvusSettings = MilvusSettings()) -> str | None:
    """The collection the alias points at, or None when nothing was built there yet."""
    client = _client(milvus_uri(target))
    if settings.alias not in client.list_aliases()["aliases"]:
        return None
    return client.describe_alias(settings.alias)["collection_name"]


def open_milvus(target: str) -> MilvusIndex:
    collection = live_collection(target)
    if collection is None:
        raise IndexMissingError(f"no index in Milvus at {target}; build one with: "
                                f"rag index build data/articles --store {target}")
    return MilvusIndex(target, collection)


@contextmanager
def milvus_write_lock(target: str) -> Iterator[None]:
    """One writer at a time for a Milvus Lite file; a server's writers must take turns themselves."""
    uri = milvus_uri(target)
    if uri.startswith(("http://", "https://")):
        yield
        return
    Path(uri).parent.mkdir(parents=True, exist_ok=True)
    with open(f"{uri}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_milvus(target: str, contents: IndexContents, settings: MilvusSettings = MilvusSettings()) -> str:
    """Write a complete new version, then move the alias to it. Returns the new collection's name."""
    client = _client(milvus_uri(target))
    name = f"{settings.alias}_v{time.strftime('%Y%m%dT%H%M%S')}_{uuid.uuid4().hex[:6]}"
    try:
        _create_chunks(client, name, int(contents.manifest["dimension"]), settings)
        for batch in _batches(_chunk_rows(contents), settings.insert_batch):
            client.insert(name, batch)
        _create_records(client, _records_of(name), settings)
        for batch in _batches(_record_rows(contents, settings), settings.insert_batch):
            client.insert(_records_of(name), batch)
    except BaseException:
        _drop(client, name)
        raise
    previous = live_collection(target, settings)
    if previous is None:
        client.create_alias(name, settings.alias)
    else:
        client.alter_alias(name, settings.alias)
    for collection in client.list_collections():
        version = collection.removesuffix("_records")
        if version.startswith(f"{settings.alias}_v") and version not in {name, previous}:
            client.drop_collection(collection)
    return name


def _create_chunks(client: MilvusClient, name: str, dimension: int, settings: MilvusSettings) -> None:
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=settings.max_varchar)
    schema.add_field("row", DataType.INT64)
    for field in ("article_id", "title", "source", "source_key", "url", "embed_key", "text"):
        schema.add_field(field, DataType.VARCHAR, max_length=settings.max_varchar)
    for field in ("published", "ordinal", "start", "end", "n_tokens"):
        schema.add_field(field, DataType.INT64)
    schema.add_field("terms", DataType.VARCHAR, max_length=settings.max_varchar, enable_analyzer=True,
                     analyzer_params={"tokenizer": "standard", "filter": ["lowercase"]})
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dimension)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["terms"],
                                 output_field_names=["sparse"]))
    index = client.prepare_index_params()
    # Vectors are normalised: inner product is cosine. AUTOINDEX lets a server pick its ANN index;
    # Milvus Lite searches exactly (FLAT).
    index.add_index("dense", index_type="AUTOINDEX", metric_type="IP")
    bm25 = LexicalSettings()  # the folder store's parameters: the same BM25 in both
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                    params={"bm25_k1": bm25.k1, "bm25_b": bm25.b})
    client.create_collection(name, schema=schema, index_params=index)


def _create_records(client: MilvusClient, name: str, settings: MilvusSettings) -> None:
    schema = client.create_schema(auto_id=False)
    schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=256)
    schema.add_field("kind", DataType.VARCHAR, max_length=32)
    schema.add_field("seq", DataType.INT64)
    schema.add_field("part", DataType.INT64)
    schema.add_field("body", DataType.VARCHAR, max_length=settings.max_varchar)
    schema.add_field("unused", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field in every collection
    index = client.prepare_index_params()
    index.add_index("unused", index_type="FLAT", metric_type="L2")
    client.create_collection(name, schema=schema, index_params=index)


def _chunk_rows(contents: IndexContents) -> Iterator[dict]:
    by_id = {a.id: a for a in contents.articles}
    for row, (chunk, key, vector) in enumerate(zip(contents.chunks, contents.embed_keys, contents.vectors)):
        article = by_id[chunk.article_id]
        yield {
            "id": chunk.id, "row": row, "article_id": article.id, "title": article.title,
            "source": article.source, "source_key": (article.source or UNKNOWN_SOURCE).lower(),
            "published": _day(article.published), "url": article.url, "ordinal": chunk.ordinal,
            "start": chunk.start, "end": chunk.end, "n_tokens": chunk.n_tokens, "embed_key": key,
            "text": chunk.text, "terms": " ".join(terms(f"{article.title}\n{chunk.text}")),
            "dense": vector.tolist(),
        }


def _record_rows(contents: IndexContents, settings: MilvusSettings) -> Iterator[dict]:
    items = [("manifest", contents.manifest)]
    items += [("article", {**a.__dict__, "published": _iso(a.published)}) for a in contents.articles]
    items += [("duplicate", {**d.__dict__, "published": _iso(d.published)}) for d in contents.duplicates]
    items += [("problem", p.__dict__) for p in contents.problems]
    seq: dict[str, int] = defaultdict(int)
    for kind, value in items:
        body = json.dumps(value)
        step = settings.record_piece_chars
        for part, start in enumerate(range(0, max(len(body), 1), step)):
            yield {"key": f"{kind}:{seq[kind]}:{part}", "kind": kind, "seq": seq[kind], "part": part,
                   "body": body[start:start + step], "unused": [0.0, 0.0]}
        seq[kind] += 1


def _read_records(client: MilvusClient, name: str) -> dict[str, list[dict]]:
    client.load_collection(name)
    pieces: dict[tuple[str, int], list[tuple[int, str]]] = defaultdict(list)
    for r in _query_all(client, name, ["kind", "seq", "part", "body"]):
        pieces[(r["kind"], r["seq"])].append((r["part"], r["body"]))
    records: dict[str, list[dict]] = defaultdict(list)
    for (kind, _), parts in sorted(pieces.items()):
        records[kind].append(json.loads("".join(body for _, body in sorted(parts))))
    return records


def _query_all(client: MilvusClient, name: str, fields: list[str]) -> Iterator[dict]:
    iterator = client.query_iterator(name, batch_size=MilvusSettings().insert_batch, output_fields=fields)
    try:
        while batch := iterator.next():
            yield from batch
    finally:
        iterator.close()


def _batches(rows: Iterator[dict], size: int) -> Iterator[list[dict]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _drop(client: MilvusClient, name: str) -> None:
    for collection in (name, _records_of(name)):
        if client.has_collection(collection):
            client.drop_collection(collection)


def _records_of(collection: str) -> str:
    return f"{collection}_records"


def _day(day: date | None) -> int:
    """A date as the integer YYYYMMDD (0: unknown), so date filters are integer comparisons in Milvus."""
    return day.year * 10_000 + day.month * 100 + day.day if day else 0


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _article(record: dict) -> Article:
    published = record.pop("published")
    return Article(**record, published=date.fromisoformat(published) if published else None)


def _duplicate(record: dict) -> Duplicate:
    published = record.pop("published")
    return Duplicate(**record, published=date.fromisoformat(published) if published else None)
