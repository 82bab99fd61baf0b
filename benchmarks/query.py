"""Query latency and memory, and the recall of the approximate (HNSW) dense index.

For the sample index (data/articles) and a big index of at least --chunks chunks (the sample plus
articles derived from it, cut into --max-tokens chunks so that embedding stays bearable on a CPU),
it prints p50/p95 latency of ``Newsdesk.retrieve`` and of the whole extractive ``Newsdesk.ask``
over --queries questions from the eval sets, and the peak RSS.

On the big index it then times retrieval with an exact, an HNSW efSearch 16 and an HNSW efSearch
128 dense index swapped in (and the share of passages that match exact search's), and compares
exact FAISS search (IndexFlatIP) with HNSW (IndexHNSWFlat(d, 32, inner product), efConstruction
80, as rag/store.py builds past IndexSettings.exact_search_max_chunks) at several efSearch values:
recall against exact search and per-query latency.

The big index is cached in --workdir and reused while present (--rebuild forces a new one); it is
built in a separate process, so the serving figures' peak RSS does not include the build.

    .venv/bin/python benchmarks/query.py                               # full: 50,000+ chunks
    .venv/bin/python benchmarks/query.py --chunks 5000 --queries 20    # quick run
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402  (benchmarks/ is not a package)

QUESTION_SETS = (Path("eval/parts"), Path("eval/sample.jsonl"))


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib() -> float:
    """Resident memory of this process now."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def read_questions(count: int, seed: int) -> list[str]:
    """``count`` questions drawn (deterministically) from eval/parts/*.jsonl, else eval/sample.jsonl."""
    parts, sample = QUESTION_SETS
    files = sorted(parts.glob("*.jsonl")) if parts.is_dir() else []
    files = files or ([sample] if sample.exists() else [])
    if not files:
        raise SystemExit("no question set: expected eval/parts/*.jsonl or eval/sample.jsonl")
    questions = [json.loads(line)["question"] for f in files for line in f.read_text().splitlines() if line.strip()]
    return random.Random(seed).sample(questions, min(count, len(questions)))


def build(paths: list[str], index_dir: str, max_tokens: int | None) -> dict:
    """Build (or, for unchanged chunks, reuse) an index; runs in a child process."""
    from rag.config import ChunkSettings, IndexSettings
    from rag.index.embed import get_embedder
    from rag.ingest.build import build_index

    get_embedder()
    settings = IndexSettings(chunk=ChunkSettings(max_tokens=max_tokens, overlap_tokens=0)) if max_tokens else IndexSettings()
    report = build_index(paths, index_dir, settings)
    return {"report": report, "peak_rss_mib": peak_rss_mib()}


def in_child(*args) -> dict:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(build, *args).result()


def derived_count_for(target_chunks: int, max_tokens: int, seed: int) -> int:
    """How many derived articles make at least ``target_chunks`` chunks (the sample adds a few hundred)."""
    from rag.config import ChunkSettings
    from rag.ingest.chunk import chunk_article
    from rag.types import Article

    settings = ChunkSettings(max_tokens=max_tokens, overlap_tokens=0)
    sample, total, n = corpus.read_sample(), 0, 0
    while total < target_chunks:
        for record in corpus.derived_articles(sample, n, 500, seed):
            n += 1
            total += len(chunk_article(Article(id=record["id"], title=record["title"], text=record["text"]), settings))
            if total >= target_chunks:
                break
    return n


def percentiles(seconds: list[float]) -> str:
    ms = np.array(seconds) * 1000
    return f"p50 {np.percentile(ms, 50):8.1f} ms   p95 {np.percentile(ms, 95):8.1f} ms   mean {ms.mean():8.1f} ms"


def time_each(fn, items) -> tuple[list[float], list]:
    times, results = [], []
    for item in items:
        started = time.perf_counter()
        results.append(fn(item))
        times.append(time.perf_counter() - started)
    return times, results


def measure_queries(desk, questions: list[str], label: str) -> None:
    """Retrieval and ask latency of ``desk`` over ``questions`` (after one warm-up of each)."""
    desk.retrieve(questions[0])
    desk.ask(questions[0])
    retrieve_times, _ = time_each(desk.retrieve, questions)
    ask_times, answers = time_each(desk.ask, questions)
    abstained = sum(a.abstained for a in answers)
    print(f"  retrieve ({label}) {percentiles(retrieve_times)}")
    print(f"  ask, extractive    {percentiles(ask_times)}   ({abstained}/{len(answers)} abstained)")


def dense_latency(index, queries: np.ndarray, k: int) -> tuple[list[float], np.ndarray, np.ndarray]:
    """One search per query, as retrieval does; returns times, scores and ids."""
    times, scores, ids = [], [], []
    for q in queries:
        started = time.perf_counter()
        s, i = index.search(q.reshape(1, -1), k)
        times.append(time.perf_counter() - started)
        scores.append(s[0])
        ids.append(i[0])
    return times, np.array(scores), np.array(ids)


def recall(exact_ids: np.ndarray, exact_scores: np.ndarray, ids: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    """(share of exact neighbours found, share of results scoring at least the exact k-th score).

    The second counts ties as found: derived articles repeat sentences, so equal scores occur.
    """
    k = exact_ids.shape[1]
    by_id = np.mean([len(set(a) & set(b)) / k for a, b in zip(exact_ids, ids)])
    tie_aware = np.mean((scores >= exact_scores[:, -1:] - 1e-5).sum(axis=1) / k)
    return float(by_id), float(tie_aware)


def compare_dense(desk, questions: list[str], ef_values: list[int]) -> None:
    """Exact vs HNSW on the big index's vectors, with the questions' embeddings as queries."""
    import faiss

    vectors = np.ascontiguousarray(desk.index.all_vectors(), dtype=np.float32)
    queries = desk.embedder.embed(questions)
    d = vectors.shape[1]
    exact = faiss.IndexFlatIP(d)
    exact.add(vectors)
    started = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 80
    hnsw.add(vectors)
    build_s = time.perf_counter() - started
    print(f"\n== dense search on {len(vectors):,} vectors of {d} dimensions, {len(queries)} question queries, "
          f"faiss threads {faiss.omp_get_max_threads()}")
    print(f"  HNSW build (M 32, efConstruction 80): {build_s:.1f} s")
    print(f"  {'search':<22}{'k':>4}{'recall':>9}{'tie-aware':>11}{'p50 ms':>9}{'p95 ms':>9}")
    for k in (10, 50):
        times, exact_scores, exact_ids = dense_latency(exact, queries, k)
        ms = np.array(times) * 1000
        print(f"  {'exact (IndexFlatIP)':<22}{k:>4}{1.0:>9.3f}{1.0:>11.3f}{np.percentile(ms, 50):>9.2f}"
              f"{np.percentile(ms, 95):>9.2f}")
        for ef in ef_values:
            hnsw.hnsw.efSearch = ef
            times, scores, ids = dense_latency(hnsw, queries, k)
            ms = np.array(times) * 1000
            by_id, tie_aware = recall(exact_ids, exact_scores, ids, scores)
            print(f"  {f'HNSW efSearch {ef}':<22}{k:>4}{by_id:>9.3f}{tie_aware:>11.3f}{np.percentile(ms, 50):>9.2f}"
                  f"{np.percentile(ms, 95):>9.2f}")
    from rag.config import RetrieveSettings
    print(f"  (k 50 is what retrieval asks for; rag/retrieve.py searches with efSearch {RetrieveSettings().hnsw_ef_search})")


def compare_retrieval(desk, questions: list[str]) -> None:
    """``Newsdesk.retrieve`` with exact and HNSW dense indexes swapped in: latency, and the share of
    the passages it returns that exact search returns too."""
    import faiss

    as_built = desk.index.dense
    vectors = np.ascontiguousarray(desk.index.all_vectors(), dtype=np.float32)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    hnsw = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 80
    hnsw.add(vectors)
    del vectors
    expected = None
    for name, index, ef in (("exact", exact, None), ("HNSW ef 16", hnsw, 16), ("HNSW ef 128", hnsw, 128)):
        if ef:
            index.hnsw.efSearch = ef
        desk.index.dense = index
        times, results = time_each(desk.retrieve, questions)
        passages = [{h.chunk_id for h in r.hits} for r in results]
        expected = expected or passages
        same = np.mean([len(a & b) / max(len(a), 1) for a, b in zip(passages, expected)])
        print(f"  retrieve ({name}) {percentiles(times)}   passages as exact: {same:.3f}")
    desk.index.dense = as_built


def serve(index_dir: Path, questions: list[str], label: str, compare: bool, ef_values: list[int]) -> None:
    import faiss

    from rag.desk import Newsdesk

    before = rss_mib()
    started = time.perf_counter()
    desk = Newsdesk(index_dir)
    load_s = time.perf_counter() - started
    kind = "HNSW" if isinstance(desk.index.dense, faiss.IndexHNSWFlat) else "exact"
    print(f"\n== {label}: {len(desk.index.articles):,} articles, {len(desk.index):,} chunks, dense index {kind}")
    print(f"  open (index + model) {load_s:.1f} s, RSS {before:,.0f} -> {rss_mib():,.0f} MiB")
    measure_queries(desk, questions, kind)
    if compare:
        compare_retrieval(desk, questions)
    print(f"  peak RSS so far      {peak_rss_mib():,.0f} MiB")
    if compare:
        compare_dense(desk, questions, ef_values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=50_000, help="chunks of the big index, at least (default 50000; 0 skips)")
    parser.add_argument("--max-tokens", type=int, default=64, help="chunk size of the big index, no overlap (default 64)")
    parser.add_argument("--queries", type=int, default=50, help="questions drawn from the eval sets (default 50)")
    parser.add_argument("--ef", default="16,32,64,128", help="HNSW efSearch values to compare (default 16,32,64,128)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the derived corpus and question draw (default 0)")
    parser.add_argument("--workdir", default="/tmp/newsdesk-bench", help="indexes go here (default /tmp/newsdesk-bench)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the big index even when cached")
    parser.add_argument("--faiss-threads", type=int, help="FAISS OpenMP threads (default: FAISS's own, one per core)")
    parser.add_argument("--torch-threads", type=int, help="torch threads for query embedding (default: torch's own)")
    parser.add_argument("--no-sample", action="store_true", help="skip the sample index")
    args = parser.parse_args()

    from rag.index.store import current_version

    if args.torch_threads:
        import torch

        torch.set_num_threads(args.torch_threads)
    if args.faiss_threads:
        import faiss

        faiss.omp_set_num_threads(args.faiss_threads)
    ef_values = [int(x) for x in args.ef.split(",") if x.strip()]
    workdir = Path(args.workdir)
    questions = read_questions(args.queries, args.seed)
    print(f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}; "
          f"{len(questions)} questions")

    if not args.no_sample:
        result = in_child([str(corpus.SAMPLE_DIR)], str(workdir / "sample-index"), None)
        print(f"(sample index built or refreshed in {result['report'].seconds:.1f} s)")
        serve(workdir / "sample-index", questions, "sample index", False, ef_values)

    if args.chunks:
        big = workdir / f"big-{args.chunks}-t{args.max_tokens}-s{args.seed}"
        if args.rebuild or current_version(big / "index") is None:
            n = derived_count_for(args.chunks, args.max_tokens, args.seed)
            folder = big / "corpus"
            shutil.rmtree(folder, ignore_errors=True)
            corpus.write_corpus(folder, n, args.seed)
            print(f"\nbuilding the big index: sample + {n:,} derived articles, chunks of {args.max_tokens} tokens ...",
                  flush=True)
            result = in_child([str(corpus.SAMPLE_DIR), str(folder)], str(big / "index"), args.max_tokens)
            r = result["report"]
            print(f"  built {r.chunks:,} chunks in {r.seconds:,.0f} s (embedding {r.embed_seconds:,.0f} s, "
                  f"{r.embedded / max(r.embed_seconds, 1e-9):,.1f} chunks/s), build peak RSS "
                  f"{result['peak_rss_mib']:,.0f} MiB")
        else:
            print(f"\n(reusing the big index in {big / 'index'}; --rebuild to build it again)")
        serve(big / "index", questions, "big index", True, ef_values)
    print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
