"""The cheaper embedding variant, the resident `rag serve` and what a cold command imports."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SAMPLE, SEED_ID

RAG = [sys.executable, "-c", "import sys; from rag.cli import main; sys.argv[0] = 'rag'; main()"]
SEED_QUESTION = "Why did Microsoft drop Twitter?"
# Embeds the seed question in int8; says whether the vector is unit length and whether torch was imported.
EMBED_INT8 = [sys.executable, "-c", "import sys; from rag.index.embed import get_embedder\n"
              f"vector = get_embedder(precision='int8').embed_one({SEED_QUESTION!r})\n"
              "print('NORM', round(float((vector ** 2).sum()), 4), 'TORCH', 'torch' in sys.modules)"]


def rag(*args, **kw):
    return subprocess.run([*RAG, *args], capture_output=True, text=True, cwd=ROOT, timeout=600, **kw)


def rag_in_fresh_process(args: list[str], modules: tuple[str, ...]) -> tuple[str, dict[str, bool]]:
    """``rag ARGS`` in a new interpreter: what it printed, and which of ``modules`` it imported."""
    code = ("import sys; from rag.cli import cli\n"
            f"try: cli.main({args!r}, standalone_mode=False)\n"
            "except SystemExit: pass\n"
            f"print('MODULES', *[m in sys.modules for m in {modules!r}])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    out, _, flags = result.stdout.rpartition("MODULES")
    return out, {m: flag == "True" for m, flag in zip(modules, flags.split())}


def other_precision(precision: str) -> str:
    return "fp32" if precision == "bf16" else "bf16"


@pytest.fixture(scope="module")
def sample_chunks() -> list[str]:
    """The texts a build embeds for the sample articles."""
    from rag.config import IndexSettings
    from rag.ingest.build import _load_articles
    from rag.ingest.chunk import chunk_article, embedding_text

    articles, _ = _load_articles([SAMPLE], IndexSettings(), None)
    return [embedding_text(a, c) for a in articles for c in chunk_article(a, IndexSettings().chunk)]


@pytest.fixture(scope="module")
def fp32_vectors(sample_chunks) -> np.ndarray:
    from rag.index.embed import get_embedder

    return get_embedder(precision="fp32").embed(sample_chunks)


@pytest.fixture(scope="module")
def offline_int8_export(tmp_path_factory):
    """The int8 model exported into an empty cache folder with no network, in a fresh process.

    The folder is then this module's ``RAG_CACHE_DIR``, so the other int8 tests reuse the export.
    """
    cache = tmp_path_factory.mktemp("cache")
    # What a killed export leaves: a half-written folder, hours old. The next export removes it.
    stale = cache / "models" / ".all-MiniLM-L6-v2.killed.part"
    stale.mkdir(parents=True)
    (stale / "model.onnx").write_bytes(b"half")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    export = offline(EMBED_INT8, cache)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RAG_CACHE_DIR", str(cache))
        yield cache, export


def offline(args: list[str], cache) -> subprocess.CompletedProcess:
    """``args`` run with no network (a network namespace of its own where ``unshare -n`` works) and
    ``RAG_CACHE_DIR=cache``."""
    env = {**os.environ, "RAG_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1"}
    unshare = subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0
    isolated = ["unshare", "-n"] if unshare else []
    return subprocess.run([*isolated, *args], capture_output=True, text=True, cwd=ROOT, timeout=600, env=env)


@pytest.fixture(scope="module")
def int8_index_dir(offline_int8_export, tmp_path_factory) -> Path:
    """A small int8 index: the seed article and two on the same story."""
    from dataclasses import replace

    from rag.config import IndexSettings
    from rag.ingest.build import build_index

    folder = tmp_path_factory.mktemp("int8-articles")
    for name in [f"{SEED_ID}.txt", "tech/microsoft-smart-campaigns-twitter.txt", "tech/twitter-api-pricing.md"]:
        shutil.copy(SAMPLE / name, folder / Path(name).name)
    settings = IndexSettings()
    index_dir = tmp_path_factory.mktemp("int8") / "index"
    build_index([folder], index_dir, replace(settings, embed=replace(settings.embed, precision="int8")))
    return index_dir


def test_bf16_vectors_stay_within_cosine_099_of_fp32_on_the_sample_chunks(sample_chunks, fp32_vectors):
    from rag.index.embed import get_embedder

    bf16 = get_embedder(precision="bf16").embed(sample_chunks)
    cosine = (fp32_vectors * bf16).sum(axis=1)
    assert len(sample_chunks) > 100
    assert cosine.min() >= 0.99, f"worst chunk at cosine {cosine.min():.5f}"
    assert np.allclose(np.linalg.norm(bf16, axis=1), 1.0, atol=1e-3)


def test_int8_vectors_stay_within_cosine_099_of_fp32_on_the_sample_chunks(sample_chunks, fp32_vectors,
                                                                           offline_int8_export):
    from rag.index.embed import get_embedder

    int8 = get_embedder(precision="int8").embed(sample_chunks)
    cosine = (fp32_vectors * int8).sum(axis=1)
    assert cosine.mean() >= 0.99, f"mean cosine {cosine.mean():.5f}"
    # Measured 0.988 at worst; per-tensor quantisation falls to 0.905 (benchmarks/README.md).
    assert cosine.min() >= 0.98, f"worst chunk at cosine {cosine.min():.5f}"
    assert np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-3)


def test_the_int8_variant_exports_into_an_empty_cache_and_then_loads_offline_without_torch(offline_int8_export):
    cache, export = offline_int8_export
    assert export.returncode == 0, export.stderr
    assert "exporting embedding model all-MiniLM-L6-v2 to int8 ONNX" in export.stderr
    assert "NORM 1.0" in export.stdout
    (folder,) = (cache / "models").iterdir()  # one finished export; no half-written folder, old or new, left
    assert folder.name.startswith("all-MiniLM-L6-v2-") and (folder / "model_int8.onnx").stat().st_size > 10_000_000

    again = offline(EMBED_INT8, cache)
    assert again.returncode == 0, again.stderr
    assert "exporting" not in again.stderr
    assert "NORM 1.0 TORCH False" in again.stdout


def test_an_int8_index_refuses_a_fp32_desk_with_the_rebuild_command(int8_index_dir):
    from rag.desk import Newsdesk
    from rag.errors import IndexIncompatibleError
    from rag.index.store import open_index

    assert open_index(int8_index_dir).manifest["embedding"] == {"model": "all-MiniLM-L6-v2", "precision": "int8"}
    with pytest.raises(IndexIncompatibleError, match="--precision fp32"):
        Newsdesk(int8_index_dir, precision="fp32")

    result = rag("ask", SEED_QUESTION, "--index", str(int8_index_dir), "--precision", "fp32")
    assert result.returncode == 4
    assert f"rebuild it with: rag index build <articles> --index {int8_index_dir} --precision fp32" in result.stderr


@pytest.mark.parametrize("question, expected, spacy", [
    (SEED_QUESTION, "Twitter", False),
    # An amount question is read by spaCy, whose engine would import torch: it is kept from doing so.
    ("How much does the Basic tier of Twitter's API cost a month?", "$100", True),
])
def test_rag_ask_over_an_int8_index_answers_without_importing_torch(int8_index_dir, question, expected, spacy):
    out, imported = rag_in_fresh_process(["ask", question, "--index", str(int8_index_dir), "--json"],
                                         ("torch", "sentence_transformers", "onnxruntime", "spacy"))
    answer = json.loads(out)
    assert expected in answer["answer"] and not answer["abstained"]
    assert imported == {"torch": False, "sentence_transformers": False, "onnxruntime": True, "spacy": spacy}


def test_the_index_records_its_precision_and_refuses_a_desk_asking_another(sample_index_dir):
    from rag.desk import Newsdesk
    from rag.errors import IndexIncompatibleError
    from rag.index.embed import resolve_precision
    from rag.index.store import open_index

    index = open_index(sample_index_dir)
    assert index.manifest["embedding"] == {"model": "all-MiniLM-L6-v2", "precision": resolve_precision("auto")}
    other = other_precision(index.precision)
    with pytest.raises(IndexIncompatibleError, match=f"--precision {other}"):
        Newsdesk(sample_index_dir, precision=other)

    result = rag("ask", SEED_QUESTION, "--index", str(sample_index_dir), "--precision", other)
    assert result.returncode == 4
    assert f"rebuild it with: rag index build <articles> --index {sample_index_dir} --precision {other}" in result.stderr


def test_an_index_from_before_precisions_were_recorded_reads_as_fp32(sample_index_dir, tmp_path):
    from rag.index.store import open_index

    copy = tmp_path / "index"
    shutil.copytree(sample_index_dir, copy)
    db = sqlite3.connect(open_index(copy).folder / "meta.sqlite")
    db.execute("DELETE FROM manifest WHERE key = 'embedding'")
    db.commit()
    db.close()
    assert open_index(copy).precision == "fp32"


def test_rag_ask_goes_through_rag_serve_when_it_runs_and_answers_alone_without_it(sample_index_dir, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(sample_index_dir, index_dir)  # the server writes serve.json into the index folder
    server = subprocess.Popen([*RAG, "serve", "--index", str(index_dir), "--port", "0"], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = server.stdout.readline()  # printed once the server accepts requests
        assert "serving" in line, line + server.stdout.read()
        url = json.loads((index_dir / "serve.json").read_text())["url"]
        assert url.startswith("http://127.0.0.1:")

        import urllib.request
        health = json.load(urllib.request.urlopen(f"{url}/health", timeout=30))
        assert health["index"] == str(index_dir.resolve())

        served = rag("ask", SEED_QUESTION, "--index", str(index_dir), "--json")
        assert served.returncode == 0, served.stderr
        answer = json.loads(served.stdout)
        assert f"answered by rag serve at {url}" in answer["notes"]
        assert "Twitter" in answer["answer"] and not answer["abstained"]
        assert answer["citations"] and answer["citations"][0]["quote"] in answer["citations"][0]["passage"]
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert not (index_dir / "serve.json").exists()

    alone = rag("ask", SEED_QUESTION, "--index", str(index_dir), "--json")
    assert alone.returncode == 0, alone.stderr
    answer = json.loads(alone.stdout)
    assert not any("rag serve" in note for note in answer["notes"])
    assert "Twitter" in answer["answer"] and not answer["abstained"]


def test_a_stale_serve_file_is_ignored(sample_index_dir, tmp_path):
    from rag.serve import running_server

    index_dir = tmp_path / "index"
    shutil.copytree(sample_index_dir, index_dir)
    (index_dir / "serve.json").write_text(json.dumps({"url": "http://127.0.0.1:9", "pid": 1}))  # nothing listens
    assert running_server(index_dir) is None


@pytest.mark.parametrize("args", [["--help"], ["index", "stats"]])
def test_help_and_stats_do_not_import_torch(sample_index_dir, args):
    out, imported = rag_in_fresh_process([*args, "--index", str(sample_index_dir)] if args[0] == "index" else args,
                                         ("torch", "sentence_transformers"))
    assert imported == {"torch": False, "sentence_transformers": False}
    assert ("Usage" in out) if args == ["--help"] else ("chunks:" in out)
