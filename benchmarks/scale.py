"""Larger than one machine, measured on one: a local build vs a Ray build, the folder store vs Milvus.

On a corpus of --articles derived articles (``corpus.py``) it prints:

* build: chunks/s of ``build_index`` (local, into the folder store) and of ``build_with_ray`` with 1 and
  2 embedding workers (the 1-worker build into a folder, the 2-worker build into Milvus Lite), the peak
  memory of all the build's processes (driver, raylet, workers) and Ray's start-up time apart;
* query: retrieval p50/p95 over the questions of eval/sample.jsonl (their words come from the sample
  articles the corpus is made of) for the folder store and for Milvus Lite, and the memory of the
  process that asks.

Each step runs in a fresh process so its memory is its own; the embedding model is loaded before the
clock starts for the local build (Ray's workers load theirs inside the measured time: that is what a
cluster pays too).

    .venv/bin/python benchmarks/scale.py --articles 20000   # the issue's size: hours on 2 shared cores
    .venv/bin/python benchmarks/scale.py --articles 300     # the size measured in benchmarks/README.md
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402  (benchmarks/ is not a package)


def tree_rss_mib(root: int) -> float:
    """Resident memory of ``root`` and all its descendants (Ray's raylet and workers), from /proc."""
    parent, rss = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parent[int(entry.name)] = int(fields["PPid"])
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
    tree, changed = {root}, True
    while changed:
        grown = tree | {pid for pid, ppid in parent.items() if ppid in tree}
        changed, tree = grown != tree, grown
    return sum(rss.get(pid, 0.0) for pid in tree)


class PeakMemory:
    """The highest ``tree_rss_mib`` of this process seen while the block runs (sampled twice a second)."""

    def __enter__(self):
        self.peak, self._done = 0.0, threading.Event()

        def sample():
            while not self._done.wait(0.5):
                self.peak = max(self.peak, tree_rss_mib(os.getpid()))

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()


def build(mode: str, corpus_dir: str, target: str) -> dict:
    """One build in this process: ``local``, or ``ray-N`` (N embedding workers on a local Ray)."""
    from rag.index.embed import get_embedder
    from rag.ingest.build import build_index

    figures = {}
    if mode == "local":
        get_embedder()
        with PeakMemory() as memory:
            report = build_index([corpus_dir], target)
    else:
        import ray

        from rag.config import RaySettings
        from rag.ingest.distributed import build_with_ray

        workers = int(mode.split("-")[1])
        started = time.perf_counter()
        ray.init(num_cpus=workers, object_store_memory=RaySettings().local_object_store_bytes,
                 include_dashboard=False, logging_level="warning")
        figures["ray_start_s"] = time.perf_counter() - started
        with PeakMemory() as memory:
            report = build_with_ray([corpus_dir], target, ray_settings=RaySettings(workers=workers))
        ray.shutdown()
    return {**figures, "articles": report.articles, "chunks": report.chunks, "seconds": report.seconds,
            "chunks_per_s": report.chunks / report.seconds, "peak_mib": memory.peak}


def query(target: str, questions: str) -> dict:
    """Retrieval latency over the question set, after one warm-up question."""
    from rag.desk import Newsdesk
    from rag.evaluate.dataset import load_questions

    desk = Newsdesk(target)
    asked = [q.question for q in load_questions(questions)]
    desk.retrieve(asked[0])
    times = []
    for question in asked:
        started = time.perf_counter()
        desk.retrieve(question)
        times.append((time.perf_counter() - started) * 1000)
    quantiles = statistics.quantiles(times, n=20)
    return {"questions": len(asked), "p50_ms": statistics.median(times), "p95_ms": quantiles[18],
            "rss_mib": tree_rss_mib(os.getpid())}


def child(*args: str) -> dict:
    """Run one step of this script in a fresh process; its last stdout line is the JSON result."""
    result = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"{args[0]} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--questions", default="eval/sample.jsonl")
    parser.add_argument("--step", nargs="+", help=argparse.SUPPRESS)  # internal: one step, in a child
    args = parser.parse_args()
    if args.step:
        kind, *rest = args.step
        print(json.dumps(build(*rest) if kind == "build" else query(*rest, args.questions)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        corpus_dir = corpus.write_corpus(Path(tmp) / "corpus", args.articles)
        folder, milvus = str(Path(tmp) / "index"), f"milvus://{Path(tmp) / 'milvus.db'}"
        print(f"{args.articles:,} derived articles; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f}")
        print(f"{'build':<28}{'chunks':>8}{'seconds':>10}{'chunks/s':>10}{'peak MiB':>10}{'Ray start s':>13}")
        for mode, target, label in (("local", folder, "local -> folder"),
                                    ("ray-1", str(Path(tmp) / "ray1"), "Ray, 1 worker -> folder"),
                                    ("ray-2", milvus, "Ray, 2 workers -> Milvus Lite")):
            f = child("--step", "build", mode, str(corpus_dir), target)
            start = f"{f['ray_start_s']:.1f}" if "ray_start_s" in f else "-"
            print(f"{label:<28}{f['chunks']:>8}{f['seconds']:>10.1f}{f['chunks_per_s']:>10.1f}{f['peak_mib']:>10.0f}"
                  f"{start:>13}", flush=True)
        print(f"{'query (retrieve)':<28}{'questions':>10}{'p50 ms':>10}{'p95 ms':>10}{'RSS MiB':>10}")
        for target, label in ((folder, "folder store"), (milvus, "Milvus Lite")):
            f = child("--step", "query", target)
            print(f"{label:<28}{f['questions']:>10}{f['p50_ms']:>10.1f}{f['p95_ms']:>10.1f}{f['rss_mib']:>10.0f}")
        print(f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
