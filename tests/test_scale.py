"""Larger than one machine: the index on Milvus (Milvus Lite here) and the build on Ray (local here).

Real components throughout: Milvus Lite, a local Ray with 2 CPUs, the bundled embedding model.
Skipped when the 'scale' extra is not installed.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SAMPLE, SEED_ID

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from pymilvus.exceptions import MilvusException

from rag.config import MilvusSettings, RetrieveSettings
from rag.desk import Newsdesk
from rag.fusion import fuse
from rag.index.milvus_store import (
    MilvusIndex,
    live_collection,
    milvus_uri,
    write_milvus,
)
from rag.index.store import IndexContents
from rag.index.stores import open_store
from rag.ingest.build import add_to_index, build_index, remove_from_index
from rag.retrieve import Filters
from rag.types import Chunk

SEED_QUESTION = "Why did Microsoft drop Twitter?"
SEED_FILE = SAMPLE / "000_f5fe240bd9425564.txt"
RAG = str(Path(sys.executable).with_name("rag"))


@pytest.fixture(scope="module")
def milvus_target(tmp_path_factory) -> str:
    """The sample corpus in Milvus Lite (read-only for tests)."""
    target = f"milvus://{tmp_path_factory.mktemp('milvus') / 'sample.db'}"
    build_index([SAMPLE], target)
    return target


@pytest.fixture(scope="module")
def milvus_desk(milvus_target) -> Newsdesk:
    return Newsdesk(milvus_target)


def small_corpus(folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(SAMPLE / name, folder / Path(name).name)
    return folder


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_milvus_holds_what_the_folder_index_holds(sample_index_dir, milvus_target):
    folder, milvus = open_store(sample_index_dir), open_store(milvus_target)
    assert isinstance(milvus, MilvusIndex)
    assert [a.id for a in milvus.articles] == [a.id for a in folder.articles]
    assert milvus.chunk_ids == folder.chunk_ids
    assert [milvus.chunk_text(i) for i in range(len(milvus))] == [folder.chunk_text(i) for i in range(len(folder))]
    assert milvus.duplicates == folder.duplicates and milvus.manifest["model"] == folder.manifest["model"]
    assert cosines(milvus.all_vectors(), folder.all_vectors()).min() > 0.999


def test_milvus_candidates_are_scored_by_both_searches_as_the_folder_stores_are(desk, milvus_desk):
    index, settings = milvus_desk.index, RetrieveSettings()
    query_vector = milvus_desk.embedder.embed_one(SEED_QUESTION)
    found = index.search_candidates(query_vector, SEED_QUESTION, settings.candidates, Filters())
    # Dense alone gives `candidates` rows; BM25 adds rows the dense search did not rank.
    assert len(found.dense_ranked) == settings.candidates and len(found.rows) > settings.candidates
    fused = fuse(found, settings)
    best_two = {index.article_of(r).id for r in sorted(fused, key=fused.get)[-2:]}
    assert best_two == {SEED_ID, "tech/microsoft-smart-campaigns-twitter"}  # the two articles on the story
    # Every row's BM25 score is the folder store's, a row only the dense search ranked included (with 10
    # candidates a search, Milvus's BM25 leaves out rows that hold a query term: 38 chunks hold one here).
    few = index.search_candidates(query_vector, SEED_QUESTION, 10, Filters())
    dense_only = [i for i, row in enumerate(few.rows) if row not in few.lexical_ranked]
    assert dense_only and any(few.lexical[i] > 0 for i in dense_only)
    assert few.lexical == pytest.approx(desk.index.lexical.scores(SEED_QUESTION)[few.rows])
    # Milvus's own BM25 search ranks the candidates: the folder store's best BM25 rows are among them.
    folder_best = np.argsort(-desk.index.lexical.scores(SEED_QUESTION))[:5]
    assert set(folder_best.tolist()) <= set(found.lexical_ranked)
    # Every row's dense score is its stored vector's, as in the folder store.
    folder = desk.index.vectors(found.rows) @ query_vector
    assert found.dense == pytest.approx(folder, abs=2e-3)

    ours, theirs = milvus_desk.ask(SEED_QUESTION), desk.ask(SEED_QUESTION)
    assert {h.article_id for h in ours.passages[:5]} == {h.article_id for h in theirs.passages[:5]}
    assert [h.chunk_id for h in ours.passages] == [h.chunk_id for h in theirs.passages]
    assert ours.text == theirs.text and not ours.abstained


def test_source_and_date_filters_run_inside_milvus(milvus_desk):
    index = milvus_desk.index
    query_vector = milvus_desk.embedder.embed_one("Twitter advertisers")
    source = "Tech Ledger"
    found = index.search_candidates(query_vector, "Twitter advertisers", 50, Filters((source.lower(),)))
    assert len(found.rows) and {index.article_of(r).source for r in found.rows} == {source}

    dated = [a.published for a in index.articles if a.published]
    since, until = sorted(dated)[len(dated) // 3], sorted(dated)[2 * len(dated) // 3]
    found = index.search_candidates(query_vector, "Twitter advertisers", 50, Filters((), since, until))
    assert len(found.rows) and all(since <= index.article_of(r).published <= until for r in found.rows)
    outside = [a for a in index.articles if a.published and not since <= a.published <= until]
    assert outside  # the window really leaves articles out

    hits = milvus_desk.retrieve("Twitter", sources=[source]).hits
    assert hits and {h.source for h in hits} == {source}


def test_add_and_remove_update_the_milvus_store(tmp_path):
    target = f"milvus://{tmp_path / 'news.db'}"
    first = small_corpus(tmp_path / "a", "000_f5fe240bd9425564.txt", "tech/twitter-api-pricing.md")
    built = build_index([first], target)
    assert built.articles == 2

    more = small_corpus(tmp_path / "b", "tech/twitter-layoffs-finances.md")
    added = add_to_index([more], target)
    assert added.articles == 3 and added.reused == built.chunks and added.embedded == added.chunks - built.chunks
    index = open_store(target)
    assert {a.source for a in index.articles} >= {"Tech Ledger", "Business Sentinel"}
    assert Newsdesk(target).retrieve("Twitter layoffs", sources=["Business Sentinel"]).hits

    removed = remove_from_index(target, source="Tech Ledger")
    assert removed.removed == 1 and removed.articles == 2
    desk = Newsdesk(target)
    assert "Tech Ledger" not in {a.source for a in desk.index.articles}
    assert not desk.retrieve("Twitter API pricing", sources=["Tech Ledger"]).hits
    assert all(h.source != "Tech Ledger" for h in desk.retrieve("Twitter API pricing").hits)


def test_a_rebuild_moves_the_alias_only_once_complete(tmp_path):
    target = f"milvus://{tmp_path / 'news.db'}"
    corpus = small_corpus(tmp_path / "a", "000_f5fe240bd9425564.txt")
    build_index([corpus], target)
    old = live_collection(target)
    desk = Newsdesk(target)

    # A build that fails midway: its last insert carries a vector of the wrong size.
    index = desk.index
    chunks = [Chunk(index.chunk_ids[i], index.article_of(i).id, i, index.chunk_text(i), int(index.chunk_start[i]),
                    int(index.chunk_end[i]), 0) for i in range(len(index))]
    vectors = list(index.all_vectors())
    contents = IndexContents(index.articles, chunks, vectors[:-1] + [vectors[-1][:-1]], index.embed_keys,
                             index.duplicates, index.problems, index.manifest)
    with pytest.raises(MilvusException):
        write_milvus(target, contents, replace(MilvusSettings(), insert_batch=1))
    assert live_collection(target) == old
    assert not [c for c in desk.index._client.list_collections() if old not in c]  # the broken one is gone
    assert desk.ask(SEED_QUESTION).citations

    build_index([corpus], target)
    new = live_collection(target)
    assert new != old
    assert desk.index.collection == old and desk.retrieve(SEED_QUESTION).hits  # the previous one still answers
    assert desk.refresh() and desk.index.collection == new
    assert desk.ask(SEED_QUESTION).citations


def test_cli_builds_and_answers_over_milvus(tmp_path):
    target = f"milvus://{tmp_path / 'cli.db'}"

    def rag(*args):
        return subprocess.run([RAG, *args], capture_output=True, text=True, cwd=ROOT, timeout=600)

    built = rag("index", "build", str(SEED_FILE), "--store", target)
    assert built.returncode == 0, built.stderr
    assert Path(milvus_uri(target)).exists()  # Milvus Lite's data, where the URI says
    answer = rag("ask", SEED_QUESTION, "--store", target, "--json")
    assert answer.returncode == 0, answer.stderr
    data = json.loads(answer.stdout)
    assert data["abstained"] is False and SEED_ID in {c["article_id"] for c in data["citations"]}
    stats = rag("index", "stats", "--store", target, "--json")
    assert json.loads(stats.stdout)["articles"] == 1
    missing = rag("ask", SEED_QUESTION, "--store", f"milvus://{tmp_path / 'none.db'}")
    assert missing.returncode == 4 and "rag index build" in missing.stderr


def test_chat_answers_over_milvus(milvus_target, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("RAG_STORE", milvus_target)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    assert not at.exception, at.exception
    at.chat_input[0].set_value(SEED_QUESTION).run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    answer = at.session_state["turns"][0].answer
    assert not answer.abstained and SEED_ID in {c.hit.article_id for c in answer.citations}


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    options = {"num_cpus": 2, "object_store_memory": 200 * 1024 * 1024, "include_dashboard": False}
    try:
        ray.init(**options)
    except Exception:  # noqa: BLE001 -- Ray gives its raylet a fixed 30 s; a busy machine can miss it once
        ray.shutdown()
        ray.init(**options)
    yield ray
    ray.shutdown()


@pytest.mark.parametrize("precision", ["auto", "fp32"])
def test_a_ray_build_equals_the_local_build(local_ray, sample_index_dir, tmp_path, precision):
    from dataclasses import replace

    from rag.config import IndexSettings
    from rag.ingest.build import build_index
    from rag.ingest.distributed import build_with_ray

    settings = replace(IndexSettings(), embed=replace(IndexSettings().embed, precision=precision))
    if precision != "auto":  # the shared sample index is the default (auto) build
        build_index([SAMPLE], tmp_path / "local", settings)
    local = open_store(sample_index_dir if precision == "auto" else tmp_path / "local")
    report = build_with_ray([SAMPLE], tmp_path / "index", settings)
    ray_built = open_store(tmp_path / "index")
    assert report.chunks == len(local) and report.embedded == len(local)
    assert ray_built.precision == local.precision
    assert ray_built.chunk_ids == local.chunk_ids and ray_built.embed_keys == local.embed_keys
    assert [ray_built.chunk_text(i) for i in range(len(local))] == [local.chunk_text(i) for i in range(len(local))]
    assert ray_built.duplicates == local.duplicates and ray_built.problems == local.problems
    cosine = cosines(ray_built.all_vectors(), local.all_vectors())
    if local.precision == "int8":
        # int8 quantises activations per batch, so a chunk's vector moves a little with its batch neighbours;
        # Ray batches per worker call, a local build over the whole length-sorted corpus.
        assert cosine.min() > 0.98 and cosine.mean() > 0.99
    else:
        assert cosine.min() > 0.999
