"""What is costly to load, loaded once per process and shared by every open chat."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from ..desk import Newsdesk
from ..index.stats import IndexStats, stats_of
from ..index.stores import as_target, live_version


@st.cache_resource(show_spinner="Loading the index and the embedding model…")
def newsdesk(index_dir: str) -> Newsdesk:
    """One ``Newsdesk`` per index folder: every session asks through it, and it reloads a rebuilt index."""
    return Newsdesk(index_dir)


@st.cache_data(max_entries=8, show_spinner=False)
def stats(version: str, _desk: Newsdesk) -> IndexStats:
    """The statistics of one index version (``version`` is its folder, so a rebuild gets fresh ones)."""
    return stats_of(_desk.index, _desk.index_dir)


def has_index(index_dir: str | Path) -> bool:
    return live_version(as_target(index_dir)) is not None
