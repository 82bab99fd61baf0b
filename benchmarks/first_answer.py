"""Time to the first answer: a fresh process loads the index and the model, then asks; then a warm question.

This is what a user waits for after ``make app`` (the Streamlit page adds its own start-up on top) and
after each later question. Each run is a new Python process, so nothing is cached in memory; the OS file
cache is warm after the first run, as it is on a desk that uses Newsdesk daily. The index build is
not timed.

    .venv/bin/python benchmarks/first_answer.py                    # the sample index, 3 fresh processes
    .venv/bin/python benchmarks/first_answer.py --index index --runs 5
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST = "Why did Microsoft drop Twitter?"
WARM = ("How did Musk react?", "What did Microsoft say about the change?", "Who leads the FBI now?")

# Runs in the fresh process; prints one JSON line with its timings.
CHILD = """
import json, sys, time
started = time.perf_counter()
from rag.desk import Newsdesk
from rag.types import Turn
imported = time.perf_counter()
desk = Newsdesk(sys.argv[1])
loaded = time.perf_counter()
first = desk.ask(sys.argv[2], backend="extractive")
answered = time.perf_counter()
print(json.dumps({"stage": "first", "abstained": first.abstained}), flush=True)
warm = []
for question in json.loads(sys.argv[3]):
    t = time.perf_counter()
    desk.ask(question, backend="extractive", history=[Turn(first.question, first.text)])
    warm.append(time.perf_counter() - t)
print(json.dumps({"stage": "done", "import_s": imported - started, "load_s": loaded - imported,
                  "ask_s": answered - loaded, "warm_s": warm}))
"""


def one_run(index_dir: Path) -> dict:
    """Spawn a fresh interpreter; the wall clock runs from spawn to its first answer."""
    spawned = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(index_dir), FIRST, json.dumps(WARM)],
                             cwd=ROOT, stdout=subprocess.PIPE, text=True)
    first_line = json.loads(child.stdout.readline() or "{}")
    to_first = time.perf_counter() - spawned
    result = json.loads(child.stdout.readline() or "{}")
    if child.wait() != 0 or not result:
        raise SystemExit(f"the timing process failed (exit {child.returncode})")
    return {**result, "to_first_answer_s": to_first, "abstained": first_line.get("abstained")}


def sample_index(workdir: Path) -> Path:
    from rag.ingest.build import build_index

    index_dir = workdir / "index"
    print(f"building the sample index in {index_dir} (not timed)...", flush=True)
    build_index([ROOT / "data" / "articles"], index_dir)
    return index_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=None, help="index folder (default: build the sample index)")
    parser.add_argument("--runs", type=int, default=3, help="fresh processes to time (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsdesk-first-") as tmp:
        index_dir = args.index or sample_index(Path(tmp))
        runs = [one_run(index_dir) for _ in range(args.runs)]
    print(f"\nfirst extractive answer from a fresh process, index {args.index or 'sample (data/articles)'}, "
          f"{args.runs} runs (median, min-max):")
    for key, label in (("to_first_answer_s", "spawn to first answer"), ("import_s", "  import rag + deps"),
                       ("load_s", "  load index + model"), ("ask_s", "  first question")):
        values = [r[key] for r in runs]
        print(f"  {label:24} {statistics.median(values):6.2f} s   ({min(values):.2f}-{max(values):.2f})")
    warm = [w for r in runs for w in r["warm_s"]]
    print(f"warm question (follow-up with history), {len(warm)} asked: median {statistics.median(warm) * 1000:.0f} ms, "
          f"max {max(warm) * 1000:.0f} ms")
    if any(r["abstained"] for r in runs):
        print("note: the first question abstained; is this the sample index?")


if __name__ == "__main__":
    main()
