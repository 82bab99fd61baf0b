"""The ``rag`` command: build and update the index, ask questions, run evaluation sets.

A thin layer over the library. Exit codes: 0 done; 1 unexpected failure; 2 bad usage (unknown
option, bad value); 3 bad input (missing folder, nothing to index); 4 no usable index (missing,
or built with another model or format); 5 answer backend unavailable.
"""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path

import click

from .config import MAX_K, ProgressSettings
from .cli_options import INDEX_OPTION
from .errors import InputError, NewsdeskError, NothingToIndexError
from .index.targets import default_target


PRECISION_OPTION = click.option(
    "--precision", type=click.Choice(["auto", "fp32", "bf16", "int8"]), default=None,
    help="Embedding precision: auto (= int8), fp32, bf16 (where the CPU computes it natively), or int8 "
         "(ONNX Runtime, int8 weights: no torch when asking; exported from the model once, cached).",
)


class _Date(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"'{value}' is not a date like 2025-02-22", param, ctx)


DATE = _Date()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsdesk")
def cli() -> None:
    """Newsdesk: ask questions of a folder of news articles and get short answers with citations."""


@cli.group()
def index() -> None:
    """Build, update and inspect the index."""


_LABELS = {"load": "reading", "embed": "embedding", "write": "writing"}


def _progress_bar(settings: ProgressSettings = ProgressSettings()):
    """A bar per stage on a terminal; elsewhere (a log, a pipe) a line on stderr every few seconds."""
    if not sys.stderr.isatty():
        last = {"at": time.monotonic()}

        def log(stage: str, done: int, total: int) -> None:
            now = time.monotonic()
            if now - last["at"] >= settings.every_seconds or stage == "write":
                last["at"] = now
                click.echo(f"{_LABELS[stage]}: {done:,} of {total:,}", err=True)

        return log

    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in bars:
            bars[stage] = tqdm(total=total, desc=_LABELS[stage], unit=" chunks" if stage == "embed" else "",
                               file=sys.stderr, leave=False, disable=None)
        bar = bars[stage]
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return progress


def _print_report(report, verb: str) -> None:
    click.echo(f"{verb} {report.index_dir}: {report.articles} articles, {report.chunks} chunks "
               f"({report.embedded} embedded, {report.reused} reused) in {report.seconds:.1f}s")
    if verb == "updated" and (report.added or report.unchanged):
        click.echo(f"  new or changed articles: {report.added}, unchanged: {report.unchanged}")
    if report.removed:
        click.echo(f"  removed articles: {report.removed}")
    if report.duplicates:
        click.echo(f"  duplicates skipped: {len(report.duplicates)}")
        for d in report.duplicates:
            click.echo(f"    {d.article_id} ({d.path}): {d.reason} of {d.kept_id}")
    _print_problems(report.problems)


def _print_problems(problems) -> None:
    if problems:
        click.echo(f"  problems (files or records left out, metadata ignored, articles cut or quarantined): "
                   f"{len(problems)}")
        for p in problems:
            click.echo(f"    {p.path}: {p.reason}")


def _settings(model: str | None, precision: str | None, max_tokens: int | None, overlap: int | None):
    from dataclasses import replace

    from .config import IndexSettings

    settings = IndexSettings()
    if model:
        settings = replace(settings, embed=replace(settings.embed, model=model))
    if precision:
        settings = replace(settings, embed=replace(settings.embed, precision=precision))
    if max_tokens or overlap is not None:
        chunk = replace(settings.chunk, max_tokens=max_tokens or settings.chunk.max_tokens,
                        overlap_tokens=settings.chunk.overlap_tokens if overlap is None else overlap)
        settings = replace(settings, chunk=chunk)
    return settings


@index.command("build")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@INDEX_OPTION
@click.option("--model", default=None, help="Embedding model: all-MiniLM-L6-v2 (default) or a local model folder.")
@PRECISION_OPTION
@click.option("--max-tokens", type=click.IntRange(32, 2000), default=None, help="Chunk size in tokens (default 220).")
@click.option("--overlap", type=click.IntRange(0, 500), default=None, help="Chunk overlap in tokens (default 40).")
@click.option("--ray", "use_ray", is_flag=True,
              help="Read, clean, chunk and embed on Ray Data: the cluster at $RAY_ADDRESS (set, it implies --ray), "
                   "else Ray on this machine. Needs the 'scale' extra.")
@click.option("--workers", type=click.IntRange(1), default=None, help="Embedding workers with --ray (default 2).")
def index_build(paths, index_dir, model, precision, max_tokens, overlap, use_ray, workers) -> None:
    """Build the index from scratch from PATHS (folders, recursively, or files)."""
    settings = _settings(model, precision, max_tokens, overlap)
    if use_ray or os.environ.get("RAY_ADDRESS"):
        from .config import RaySettings
        from .ingest.distributed import build_with_ray

        ray_settings = RaySettings(workers=workers) if workers else RaySettings()
        report = build_with_ray(paths, index_dir or default_target(), settings, ray_settings, progress=_progress_bar())
    else:
        from .ingest.build import build_index

        report = build_index(paths, index_dir or default_target(), settings, progress=_progress_bar())
    _print_report(report, "built")


@index.command("add")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@INDEX_OPTION
def index_add(paths, index_dir) -> None:
    """Add new or changed articles from PATHS; unchanged ones are not embedded again."""
    from .ingest.build import add_to_index

    report = add_to_index(paths, index_dir or default_target(), progress=_progress_bar())
    _print_report(report, "updated")


@index.command("remove")
@INDEX_OPTION
@click.option("--source", default=None, help="Remove every article from this source.")
@click.option("--id", "article_id", default=None, help="Remove the article with this id.")
@click.option("--path", default=None, help="Remove the articles read from this file or folder.")
def index_remove(index_dir, source, article_id, path) -> None:
    """Remove articles (and their chunks) by source, id or path."""
    from .ingest.build import remove_from_index

    report = remove_from_index(index_dir or default_target(), source=source, article_id=article_id, path=path,
                               progress=_progress_bar())
    _print_report(report, "updated")


@index.command("stats")
@INDEX_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def index_stats_cmd(index_dir, as_json) -> None:
    """Articles, chunks, sources, date range, model, duplicates, size and build time."""
    from .index.stats import index_stats

    s = index_stats(index_dir or default_target())
    if as_json:
        click.echo(json.dumps(asdict(s), default=str, indent=2))
        return
    click.echo(f"index:       {s.index_dir}")
    click.echo(f"articles:    {s.articles}")
    click.echo(f"chunks:      {s.chunks}")
    click.echo(f"sources:     {len(s.sources)} ({', '.join(f'{k} {v}' for k, v in list(s.sources.items())[:8])}"
               f"{', ...' if len(s.sources) > 8 else ''})")
    click.echo(f"dates:       {s.first_date or '-'} to {s.last_date or '-'}")
    click.echo(f"model:       {s.model} ({s.precision}, {s.dimension} dimensions, {s.dense_index} search)")
    click.echo(f"chunking:    {s.chunking['max_tokens']} tokens, overlap {s.chunking['overlap_tokens']} "
               f"({s.chunking['encoding']})")
    click.echo(f"duplicates:  {len(s.duplicates)} skipped")
    for d in s.duplicates:
        click.echo(f"    {d.article_id}: {d.reason} of {d.kept_id}")
    click.echo(f"quarantined: {len(s.quarantined)} (left out of answers; rag ask --include-quarantined lets them in)")
    for article_id, reason in s.quarantined.items():
        click.echo(f"    {article_id}: {reason}")
    click.echo(f"problems:    {len(s.problems)}")
    for p in s.problems:
        click.echo(f"    {p.path}: {p.reason}")
    click.echo(f"size:        {s.size_bytes / 1e6:.1f} MB")
    click.echo(f"built at:    {s.built_at} (format version {s.format_version})")


@cli.command()
@click.argument("question")
@INDEX_OPTION
@click.option("--k", type=click.IntRange(1, MAX_K), default=5, show_default=True, help="Passages to retrieve.")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option("--since", type=DATE, default=None, help="Only articles published on or after this date.")
@click.option("--until", type=DATE, default=None, help="Only articles published on or before this date.")
@click.option("--as-of", type=DATE, default=None, help="The day the question is asked (default: newest article).")
@click.option("--backend", default=None, help="Answer backend (see `rag backends`).")
@click.option("--include-quarantined", is_flag=True,
              help="Also use articles quarantined as planted instructions (answers using them carry a warning).")
@PRECISION_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def ask(question, index_dir, k, sources, since, until, as_of, backend, include_quarantined, precision, as_json) -> None:
    """Answer QUESTION from the index, with numbered sources.

    Through `rag serve` when one is running for the index (no model to load), else in this process.
    """
    from .answer_format import answer_from_dict, answer_to_dict, answer_to_text
    from .index.targets import is_milvus
    from .serve import ask_server, running_server

    index_dir = index_dir or default_target()
    options = dict(k=k, sources=sources, since=since, until=until, as_of=as_of, backend=backend)
    answer = None
    # A server answers with its own settings: a folder index, default retrieval, the same precision.
    server = None if is_milvus(index_dir) or include_quarantined else running_server(index_dir)
    if server and precision is not None:
        from .index.embed import resolve_precision  # numpy: only when a precision is asked for

        server = server if resolve_precision(precision) == server["precision"] else None
    if server:
        data = ask_server(server["url"], question, **options)
        if data is not None:
            answer = answer_from_dict(data)
            answer.notes.append(f"answered by rag serve at {server['url']}")
    if answer is None:
        from .config import RetrieveSettings
        from .desk import Newsdesk

        desk = Newsdesk(index_dir, precision=precision,
                        retrieve_settings=RetrieveSettings(include_quarantined=include_quarantined))
        answer = desk.ask(question, **options)
    click.echo(json.dumps(answer_to_dict(answer), indent=2, ensure_ascii=False) if as_json else answer_to_text(answer))


@cli.command()
@INDEX_OPTION
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1: this machine only).")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port (default 8765; 0: any free port).")
@PRECISION_OPTION
def serve(index_dir, host, port, precision) -> None:
    """Keep the index and the model loaded and answer questions over HTTP; `rag ask` then uses it."""
    from dataclasses import replace

    from .config import ServeSettings
    from .index.targets import is_milvus
    from .serve import serve as run

    settings = ServeSettings()
    settings = replace(settings, host=host or settings.host, port=settings.port if port is None else port)
    index_dir = index_dir or default_target()
    if is_milvus(index_dir):  # rag ask finds a server through a file in the index folder
        raise InputError(f"rag serve answers over an index folder, not {index_dir}; over Milvus, use the chat")
    run(index_dir, settings, precision,
        ready=lambda url: click.echo(f"serving {index_dir} at {url} (POST /ask, GET /health); Ctrl-C stops"))


@cli.command()
def backends() -> None:
    """List the answer backends available here."""
    from .answer import available_backends

    for name, cls in available_backends().items():
        click.echo(f"{name:12} {cls.description}")


from .evaluate.command import eval_command  # noqa: E402

cli.add_command(eval_command, "eval")


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as err:
        err.show()
        sys.exit(err.exit_code)
    except NothingToIndexError as err:
        _print_problems(err.problems)
        click.echo(f"error: {err}", err=True)
        sys.exit(err.exit_code)
    except NewsdeskError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted; the index was left as it was", err=True)
        sys.exit(130)
    except Exception as err:  # noqa: BLE001 - a bug must still end in one line, not a traceback
        click.echo(f"error: unexpected failure ({type(err).__name__}: {err}); please report it", err=True)
        sys.exit(1)
