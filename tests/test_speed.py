"""The cheaper embedding variant, the resident `rag serve` and what a cold command imports."""
from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, SAMPLE

RAG = [sys.executable, "-c", "import sys; from rag.cli import main; sys.argv[0] = 'rag'; main()"]
SEED_QUESTION = "Why did Microsoft drop Twitter?"


def rag(*args, **kw):
    return subprocess.run([*RAG, *args], capture_output=True, text=True, cwd=ROOT, timeout=600, **kw)


def other_precision(precision: str) -> str:
    return "fp32" if precision == "bf16" else "bf16"


def test_bf16_vectors_stay_within_cosine_099_of_fp32_on_the_sample_chunks():
    from rag.config import IndexSettings
    from rag.index.embed import Embedder
    from rag.ingest.build import _load_articles
    from rag.ingest.chunk import chunk_article, embedding_text

    articles, _ = _load_articles([SAMPLE], IndexSettings(), None)
    texts = [embedding_text(a, c) for a in articles for c in chunk_article(a, IndexSettings().chunk)]
    fp32 = Embedder(precision="fp32").embed(texts)
    bf16 = Embedder(precision="bf16").embed(texts)
    cosine = (fp32 * bf16).sum(axis=1)
    assert len(texts) > 100
    assert cosine.min() >= 0.99, f"worst chunk at cosine {cosine.min():.5f}"
    assert np.allclose(np.linalg.norm(bf16, axis=1), 1.0, atol=1e-3)


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
    code = ("import sys; from rag.cli import cli\n"
            f"try: cli.main({[*args, '--index', str(sample_index_dir)] if args[0] == 'index' else args!r}, "
            "standalone_mode=False)\n"
            "except SystemExit: pass\n"
            "print('TORCH', 'torch' in sys.modules, 'sentence_transformers' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "TORCH False False" in result.stdout
    assert ("Usage" in result.stdout) if args == ["--help"] else ("chunks:" in result.stdout)
