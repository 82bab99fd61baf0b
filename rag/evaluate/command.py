"""``rag eval``: run a question set against an index, or compare two saved runs."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..cli_options import INDEX_OPTION
from ..config import MAX_K
from ..errors import InputError


@click.command("eval")
@click.argument("questions", required=False, type=click.Path(dir_okay=False, path_type=Path))
@INDEX_OPTION
@click.option("--k", type=click.IntRange(1, MAX_K), default=5, show_default=True, help="Passages per answer.")
@click.option("--backend", default=None, help="Answer backend (see `rag backends`).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the JSON report here, with a Markdown report and an SVG chart beside it.")
@click.option("--compare", nargs=2, type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="A.json B.json", help="Show the metric changes from saved run A to saved run B.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the first N questions.")
def eval_command(questions, index_dir, k, backend, out, compare, limit) -> None:
    """Score answers, retrieval, citations and abstention on the QUESTIONS set (JSON Lines or a JSON list)."""
    from .report import compare_table, load_summary

    if compare:
        click.echo(compare_table(load_summary(compare[0]), load_summary(compare[1])))
        return
    if questions is None:
        raise InputError("give a question set (rag eval QUESTIONS) or two reports (rag eval --compare A B)")
    _run(questions, index_dir, k, backend, out, limit)


def _run(questions_path: Path, index_dir: str | None, k: int, backend: str | None, out: Path | None,
         limit: int | None) -> None:
    from tqdm import tqdm

    from ..desk import Newsdesk
    from ..index.targets import default_target
    from .dataset import load_questions
    from .report import format_run, write_report
    from .run import evaluate

    if out:
        _check_writable(out)  # before the run, not after it
    questions = load_questions(questions_path)[:limit]
    index_dir = index_dir or default_target()
    desk = Newsdesk(index_dir)
    with tqdm(total=len(questions), desc="questions", file=sys.stderr, leave=False, disable=None) as bar:
        run = evaluate(questions, desk, k=k, backend=backend, progress=lambda done, total: bar.update(1),
                       settings={"questions": str(questions_path), "index": str(index_dir)})
    click.echo(format_run(run))
    if out:
        written = write_report(run, out)
        click.echo(f"\nwrote {', '.join(str(p) for p in written)}")


def _check_writable(out: Path) -> None:
    """Fail at once when the report cannot be written to ``out``."""
    existed = out.exists()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "a"):
            pass
    except OSError as err:
        raise InputError(f"cannot write the report to {out}: {err.strerror or err}") from None
    if not existed:
        out.unlink()
