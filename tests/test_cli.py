"""The `rag` command: help, JSON output, one-line errors with documented exit codes."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SEED_ID

RAG = str(Path(sys.executable).with_name("rag"))


def run(*args, **kw):
    return subprocess.run([RAG, *args], capture_output=True, text=True, cwd=ROOT, timeout=600, **kw)


def test_help_explains_every_command():
    for args in ([], ["index"], ["index", "build"], ["index", "add"], ["index", "remove"], ["index", "stats"], ["ask"]):
        result = run(*args, "--help")
        assert result.returncode == 0 and "Usage:" in result.stdout, args
    assert "--as-of" in run("ask", "--help").stdout


def test_ask_json_has_the_documented_fields(sample_index_dir):
    result = run("ask", "Why did Microsoft drop Twitter?", "--index", str(sample_index_dir), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"answer", "abstained", "citations", "passages"} <= set(data)
    assert data["abstained"] is False
    citation = data["citations"][0]
    assert {"n", "article_id", "title", "source", "published", "url", "chunk_id", "quote", "passage"} <= set(citation)
    assert citation["quote"] in citation["passage"]
    assert {"article_id", "chunk_id", "score", "text"} <= set(data["passages"][0])
    assert SEED_ID in {c["article_id"] for c in data["citations"]}
    assert data["abstain_reason"] == ""
    absent = json.loads(run("ask", "How deep is the Godstone sinkhole?", "--index", str(sample_index_dir),
                            "--json").stdout)
    assert absent["abstained"] is True and "“deep”" in absent["abstain_reason"]


def test_stats_and_env_index_dir(sample_index_dir):
    import os

    result = run("index", "stats", env={**os.environ, "RAG_INDEX_DIR": str(sample_index_dir)})
    assert result.returncode == 0
    assert "articles:" in result.stdout and "all-MiniLM-L6-v2" in result.stdout


def test_user_errors_are_one_line_with_exit_codes(tmp_path):
    missing = run("index", "build", str(tmp_path / "nope"), "--index", str(tmp_path / "ix"))
    assert missing.returncode == 3 and missing.stderr.strip().count("\n") == 0 and "no such file" in missing.stderr
    no_index = run("ask", "anything", "--index", str(tmp_path / "ix"))
    assert no_index.returncode == 4 and "rag index build" in no_index.stderr and "Traceback" not in no_index.stderr
    bad_date = run("ask", "anything", "--since", "yesterday")
    assert bad_date.returncode == 2 and "2025-02-22" in bad_date.stderr
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "a.txt").write_text("")
    nothing = run("index", "build", str(tmp_path / "empty"), "--index", str(tmp_path / "ix"))
    assert nothing.returncode == 3 and "empty file" in nothing.stdout and "Traceback" not in nothing.stderr
