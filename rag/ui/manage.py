"""Index management in the chat: first build, uploads, added folders, rebuilds, with progress and a report.

Writes go through ``rag.indexing``, which makes a new version live atomically: other open chats keep
answering from the old version meanwhile and load the new one at their next question.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from ..errors import NewsdeskError, NothingToIndexError
from ..ingest.build import BuildReport, add_to_index, build_index
from ..ingest.load import SUPPORTED_SUFFIXES
from ..types import Problem

SUFFIXES = sorted(s.lstrip(".") for s in SUPPORTED_SUFFIXES)
_STAGES = {"load": ("Reading articles", 0.0, 0.15), "embed": ("Embedding passages", 0.15, 0.95),
           "write": ("Writing the index", 0.95, 1.0)}


@dataclass(frozen=True)
class Outcome:
    """What the last index change did, shown until the next one."""

    ok: bool
    message: str
    details: list[str] = field(default_factory=list)


def tools(index_dir: Path, articles_dir: Path, report: bool = True) -> None:
    """Sidebar: add uploaded files or a folder to the index, or rebuild it from a folder.

    ``report``: show the outcome of the last change here (the first-build page shows it itself).
    """
    bar = st.sidebar
    bar.markdown("### Manage the index")
    round_ = st.session_state.setdefault("upload_round", 0)
    with bar.expander("Add articles", icon=":material/upload_file:"):
        files = st.file_uploader("Upload files", type=list(SUFFIXES), accept_multiple_files=True,
                                 key=f"upload-{round_}", help="." + ", .".join(SUFFIXES))
        roots = allowed_roots()
        folder = ""
        if roots:
            folder = st.text_input("…or a folder on this machine", key="add-folder", placeholder="path/to/articles",
                                   help="Folders inside: " + ", ".join(str(r) for r in roots))
        if st.button("Add to the index", type="primary", disabled=not (files or folder.strip()), width="stretch"):
            paths = []
            if files:
                paths.append(save_uploads(files, uploads_dir(index_dir)))
                st.session_state.upload_round = round_ + 1  # a fresh, empty uploader next time
            if folder.strip():
                paths.append(Path(folder.strip()).expanduser())
            change_index(add_to_index, paths, index_dir, articles_dir)
    with bar.expander("Rebuild the index", icon=":material/autorenew:"):
        st.caption("Index a folder from scratch, replacing the index. Open chats keep answering meanwhile "
                   "and use the new index afterwards.")
        folder = st.text_input("Articles folder", value=_shown(articles_dir), key="rebuild-folder")
        if st.button("Rebuild", disabled=not folder.strip(), width="stretch"):
            change_index(build_index, [Path(folder.strip()).expanduser()], index_dir, articles_dir)
    if report:
        show_outcome(bar)


def first_build(index_dir: Path, articles_dir: Path) -> None:
    """The page before any index exists: say so and offer to build it from the sample folder."""
    st.markdown("### No index yet")
    st.markdown(f"Newsdesk answers from an index of your articles, and there is none in `{index_dir}` yet. "
                f"Build it from the articles in `{_shown(articles_dir)}` (about a minute for the samples), "
                "or add your own files in the sidebar.")
    if st.button(f"Build the index from {_shown(articles_dir)}", type="primary", icon=":material/build:"):
        change_index(build_index, [articles_dir], index_dir, articles_dir)
    show_outcome(st)


def allowed_roots() -> list[Path]:
    """Folders on the server the chat may index, from ``RAG_ALLOWED_ROOTS`` (colon-separated); none by default,
    since whoever can open the chat could otherwise index any folder the server can read."""
    return [Path(p).expanduser().resolve() for p in os.environ.get("RAG_ALLOWED_ROOTS", "").split(":") if p.strip()]


def folder_allowed(folder: Path, articles_dir: Path, uploads: Path) -> bool:
    """True for the configured articles folder, this chat's uploads, and folders inside the allowed roots."""
    resolved = folder.expanduser().resolve()
    return resolved in (articles_dir.resolve(), ) or resolved.is_relative_to(uploads.resolve()) \
        or any(resolved.is_relative_to(root) for root in allowed_roots())


def change_index(operation: Callable[..., BuildReport], paths: Sequence[Path], index_dir: Path,
                 articles_dir: Path) -> None:
    """Run a build or an add with a progress bar; keep its outcome and rerun on success so every part sees it."""
    refused = [p for p in paths if not folder_allowed(p, articles_dir, uploads_dir(index_dir).parent)]
    if refused:
        st.session_state.index_outcome = Outcome(
            False, f"{refused[0]} is outside the folders this server allows (set RAG_ALLOWED_ROOTS to allow it)")
        return
    bar = st.progress(0.0, text="Starting…")

    def progress(stage: str, done: int, total: int) -> None:
        label, low, high = _STAGES[stage]
        share = done / total if total else 1.0
        bar.progress(low + (high - low) * share, text=f"{label}: {done:,} of {total:,}")

    try:
        report = operation(paths, index_dir, progress=progress)
    except NothingToIndexError as err:
        st.session_state.index_outcome = Outcome(False, str(err), _problems(err.problems, paths))
    except NewsdeskError as err:
        st.session_state.index_outcome = Outcome(False, str(err))
    else:
        st.session_state.index_outcome = outcome_of(report, operation is build_index, paths)
        st.rerun()
    finally:
        bar.empty()


def outcome_of(report: BuildReport, rebuilt: bool, paths: Sequence[Path]) -> Outcome:
    """The report in words: what was added, and which files were left out and why."""
    if rebuilt:
        message = f"Built the index: {report.articles:,} articles, {report.chunks:,} passages"
    else:
        message = (f"Added {report.added:,} new or changed articles ({report.unchanged:,} unchanged); the index "
                   f"now holds {report.articles:,} articles, {report.chunks:,} passages")
    details = [f"Duplicate skipped: {_relative(d.path, paths)} ({d.reason} of {d.kept_id})"
               for d in report.duplicates]
    details += _problems(report.problems, paths)
    return Outcome(True, f"{message}, in {report.seconds:.0f} s.", details)


def show_outcome(where) -> None:
    outcome: Outcome | None = st.session_state.get("index_outcome")
    if outcome is None:
        return
    (where.success if outcome.ok else where.error)(outcome.message)
    if outcome.details:
        where.caption(f"{len(outcome.details)} left out:")
        where.text("\n".join(outcome.details))


def uploads_dir(index_dir: Path) -> Path:
    """A fresh folder for one upload, beside the index (a Milvus store: the working folder):
    ``<index parent>/data/uploads/<time>/``."""
    base = (index_dir.resolve().parent if isinstance(index_dir, Path) else Path.cwd()) / "data" / "uploads"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder, n = base / stamp, 1
    while folder.exists():
        n += 1
        folder = base / f"{stamp}-{n}"
    return folder


def save_uploads(files, folder: Path) -> Path:
    """Write uploaded files into ``folder`` under their own base names; return the folder.

    Two uploads with the same name are both kept: the second is saved as ``name-2.ext``.
    """
    folder.mkdir(parents=True)
    for upload in files:
        name = Path(upload.name).name.lstrip(".") or "upload.txt"  # never a path or a hidden file
        target, n = folder / name, 1
        while target.exists():
            n += 1
            target = folder / f"{Path(name).stem}-{n}{Path(name).suffix}"
        target.write_bytes(upload.getvalue())
    return folder


def _problems(problems: Sequence[Problem], paths: Sequence[Path]) -> list[str]:
    return [f"{_relative(p.path, paths)}: {p.reason}" for p in problems]


def _relative(path: str, roots: Sequence[Path]) -> str:
    """A file name as the user knows it: relative to the folder they gave (an upload's own name)."""
    for root in roots:
        root_text = str(Path(root).resolve())
        for prefix in (root_text + "/", str(root).rstrip("/") + "/"):
            if path.startswith(prefix):
                return path[len(prefix):]
    return path


def _shown(folder: Path) -> str:
    """A folder as typed: relative to where the app runs when it is below it."""
    try:
        return str(folder.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(folder)
