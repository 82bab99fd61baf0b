"""The figures the reliability issue asks for, printed: hostile files tried / reported / crashed, and the time
and peak memory of a build with a 50 MB one-line text in the folder.

The hostile folder is the one ``tests/test_reliability.py`` builds (one file or link per kind of bad input);
the 50 MB build is the sample corpus plus that file, each build in a fresh process so that its peak memory
(the child's ``ru_maxrss``) is its own. Kill trials and concurrent writers are counted by the tests themselves.

    .venv/bin/python benchmarks/reliability.py
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

BUILD = """
import resource, sys, time
from rag.ingest.build import build_index
started = time.perf_counter()
report = build_index([sys.argv[1]], sys.argv[2])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{time.perf_counter() - started:.1f} {len(report.problems)} {peak:.0f}")
"""


def hostile_kinds(work: Path) -> None:
    from dataclasses import replace

    from test_reliability import LIMITS, hostile_folder

    from rag.config import IndexSettings
    from rag.ingest.build import build_index

    expected = hostile_folder(work / "articles", work / "outside")
    try:
        report = build_index([work / "articles"], work / "index", replace(IndexSettings(), load=LIMITS))
    except Exception as error:  # the figure is whether anything crashes: any exception counts as one
        print(f"hostile kinds: {len(expected)} tried, build crashed: {error!r}")
        return
    said: dict[str, list[str]] = {}
    for problem in report.problems:
        said.setdefault(Path(problem.path.split(" (", 1)[0]).name, []).append(problem.reason)
    reported = [name for name, says in expected.items() if any(says in r for r in said.get(name, []))]
    print(f"hostile kinds: {len(expected)} tried, {len(reported)} reported as expected, 0 crashed "
          f"(the build went on and indexed {report.articles} articles)")
    for name in sorted(set(expected) - set(reported)):
        print(f"  not reported as expected: {name}: {said.get(name)}")


def big_file_build(work: Path) -> None:
    folder = work / "big"
    subprocess.run(["cp", "-r", str(ROOT / "data" / "articles"), str(folder)], check=True)
    with open(folder / "one-line-50mb.txt", "w") as out:
        word = "harbour "
        out.write(word * (50_000_000 // len(word)))
    for label, path in (("sample corpus", ROOT / "data" / "articles"), ("sample + 50 MB one-line text", folder)):
        done = subprocess.run([sys.executable, "-c", BUILD, str(path), str(work / f"index-{len(label)}")],
                              capture_output=True, text=True, check=True)
        seconds, problems, peak = done.stdout.split()[-3:]
        print(f"{label}: build {seconds} s, {problems} problems, peak RSS {peak} MiB")


def main() -> None:
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    with tempfile.TemporaryDirectory() as tmp:
        hostile_kinds(Path(tmp))
        started = time.perf_counter()
        big_file_build(Path(tmp))
        print(f"({time.perf_counter() - started:.0f} s in all)")
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
