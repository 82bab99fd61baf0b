"""Index build speed and memory: the sample corpus, then a derived corpus of --articles articles.

For each corpus it prints articles/s and chunks/s of ``build_index``, the share of the build spent
embedding and the peak RSS; for the derived corpus also ``add_to_index`` re-run with nothing new
(it should embed 0 chunks) and with --add-share more articles. Each corpus is measured in a fresh
process, so its peak RSS is its own; the embedding model is loaded before the clock starts
(its load time is printed apart).

    .venv/bin/python benchmarks/index_build.py                  # sample + 5,000 derived articles
    .venv/bin/python benchmarks/index_build.py --articles 500   # quick run
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402  (benchmarks/ is not a package)


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(corpus_dir: str, index_dir: str, extra: dict | None) -> dict:
    """Build an index of ``corpus_dir``; with ``extra`` (seed, start, count), time the two adds too.

    Runs in a child process: the figures include its peak RSS.
    """
    from rag.index.embed import get_embedder
    from rag.ingest.build import add_to_index, build_index

    started = time.perf_counter()
    get_embedder()
    figures = {"model_load_s": time.perf_counter() - started, "build": build_index([corpus_dir], index_dir)}
    if extra:
        figures["rerun"] = add_to_index([corpus_dir], index_dir)
        sample = corpus.read_sample()
        corpus.write_jsonl(corpus_dir, corpus.derived_articles(sample, extra["start"], extra["count"], extra["seed"]),
                           name="added")
        figures["add"] = add_to_index([corpus_dir], index_dir)
    figures["peak_rss_mib"] = peak_rss_mib()
    return figures


def in_child(*args) -> dict:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(measure, *args).result()


def print_build(name: str, figures: dict) -> None:
    r = figures["build"]
    print(f"\n== build_index: {name}")
    print(f"  articles indexed     {r.articles:,} ({len(r.duplicates)} dropped as duplicates, {len(r.problems)} problems)")
    print(f"  chunks               {r.chunks:,}")
    print(f"  total time           {r.seconds:,.1f} s   (model load before it: {figures['model_load_s']:.1f} s)")
    print(f"  articles/s           {r.articles / r.seconds:,.1f}")
    print(f"  chunks/s             {r.chunks / r.seconds:,.1f}")
    print(f"  embedding            {r.embed_seconds:,.1f} s = {100 * r.embed_seconds / r.seconds:.0f}% of the build "
          f"({r.embedded / r.embed_seconds if r.embed_seconds else 0:,.1f} chunks/s embedded)")
    print(f"  rest (load, clean, dedup, chunk, write) {r.seconds - r.embed_seconds:,.1f} s")
    print(f"  peak RSS             {figures['peak_rss_mib']:,.0f} MiB")


def print_add(title: str, r) -> None:
    print(f"\n== add_to_index: {title}")
    print(f"  time                 {r.seconds:,.1f} s (embedding {r.embed_seconds:,.1f} s)")
    print(f"  articles added       {r.added:,} (unchanged {r.unchanged:,}); now {r.articles:,} articles, {r.chunks:,} chunks")
    print(f"  chunks embedded      {r.embedded:,} (reused {r.reused:,})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=5000, help="derived articles (default 5000; 0 skips)")
    parser.add_argument("--add-share", type=float, default=0.01, help="share of new articles for the add (default 0.01)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the derived corpus (default 0)")
    parser.add_argument("--sample", default=str(corpus.SAMPLE_DIR), help="sample corpus folder (default data/articles)")
    parser.add_argument("--no-sample", action="store_true", help="skip the sample corpus")
    parser.add_argument("--workdir", help="where corpora and indexes go (default: a temporary folder, removed)")
    args = parser.parse_args()

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="newsdesk-bench-build-"))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    try:
        if not args.no_sample:
            print_build(f"sample corpus ({args.sample})", in_child(args.sample, str(workdir / "sample-index"), None))
        if args.articles:
            folder = workdir / f"corpus-{args.articles}-{args.seed}"
            shutil.rmtree(folder, ignore_errors=True)
            started = time.perf_counter()
            corpus.write_corpus(folder, args.articles, args.seed, args.sample)
            print(f"\n(derived corpus of {args.articles:,} articles written in {time.perf_counter() - started:.1f} s)")
            count = max(1, round(args.articles * args.add_share))
            figures = in_child(str(folder), str(workdir / "derived-index"),
                               {"seed": args.seed, "start": args.articles, "count": count})
            print_build(f"{args.articles:,} derived articles", figures)
            print_add("re-run with nothing new", figures["rerun"])
            print_add(f"{count:,} new articles ({100 * args.add_share:g}%)", figures["add"])
        print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
