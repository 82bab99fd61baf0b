"""The sidebar's answer options, filters and index statistics."""
from __future__ import annotations

import streamlit as st

from ..answer import available_backends
from ..desk import Newsdesk
from ..index.stats import IndexStats
from .highlight import count, nice_date, size
from .turns import AskOptions

MAX_K = 20


def ask_options(desk: Newsdesk, summary: IndexStats) -> AskOptions:
    """Backend, number of passages, sources and dates, as chosen in the sidebar."""
    bar = st.sidebar
    bar.markdown("### Answer")
    backends = available_backends()
    names = list(backends)
    default = desk.answer_settings.backend
    backend = bar.selectbox(
        "Answer backend", names, index=names.index(default) if default in names else 0,
        help="\n\n".join(f"**{name}**: {cls.description}" for name, cls in backends.items())
        + "\n\nOther backends appear here when their packages are installed.",
    )
    k = bar.slider("Passages to read (k)", 1, MAX_K, desk.retrieve_settings.k,
                   help="How many passages are retrieved and read for each question.")

    bar.markdown("### Filters")
    # Keyed by index version: a rebuild with other sources or dates starts from fresh choices.
    version = desk.index.folder.name
    sources = bar.multiselect(
        "Sources", list(summary.sources), key=f"sources-{version}", placeholder="All sources",
        format_func=lambda s: f"{s} ({summary.sources[s]})",
    )
    since = until = None
    first, last = summary.first_date, summary.last_date
    if first and last and first < last:
        picked = bar.date_input("Published between", (first, last), min_value=first, max_value=last,
                                key=f"dates-{version}", format="YYYY-MM-DD")
        # Only a narrowed range filters: the full range should not leave out undated articles.
        if len(picked) >= 1 and picked[0] > first:
            since = picked[0]
        if len(picked) == 2 and picked[1] < last:
            until = picked[1]
        if since or until:
            bar.caption("Undated articles are left out while dates are narrowed.")
    return AskOptions(backend=backend, k=k, sources=tuple(sources), since=since, until=until)


def index_summary(summary: IndexStats) -> None:
    """Counts, sources, dates, model and what was left out of the index."""
    bar = st.sidebar
    bar.markdown("### Index")
    left, right = bar.columns(2)
    left.metric("Articles", f"{summary.articles:,}")
    right.metric("Passages", f"{summary.chunks:,}")
    dates = (f"{nice_date(summary.first_date)} – {nice_date(summary.last_date)}" if summary.first_date
             else "no dates")
    bar.caption(f"{count(len(summary.sources), 'source')} · {dates}  \n"
                f"{summary.model} · {size(summary.size_bytes)} · "
                f"built {summary.built_at.replace('T', ' ')[:16]} UTC"
                f"  \n`{summary.index_dir}`")
    if summary.duplicates or summary.problems:
        with bar.expander(f"Left out: {len(summary.duplicates)} duplicates, {len(summary.problems)} problems"):
            for d in summary.duplicates:
                st.text(f"{d.article_id}: {d.reason} of {d.kept_id}")
            for p in summary.problems:
                st.text(f"{p.path}: {p.reason}")
