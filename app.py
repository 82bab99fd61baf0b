"""Newsdesk chat: ``streamlit run app.py`` (or ``make app``). The pieces live in ``rag/ui``.

The index is ``$RAG_STORE`` (a folder or a Milvus URI, see rag/index/stores.py), else ``$RAG_INDEX_DIR`` or ./index. The index and the models are loaded once per
process and shared by every open chat.
"""
from pathlib import Path

import streamlit as st

from rag.errors import NewsdeskError
from rag.index.stores import default_target, resolved
from rag.ui import chat, manage, sidebar, style
from rag.ui.resources import has_index, newsdesk, stats

ARTICLES = Path(__file__).resolve().parent / "data" / "articles"

st.set_page_config(page_title="Newsdesk", page_icon=":material/newspaper:", layout="centered")
style.apply()
index_dir = default_target()


def ready_newsdesk():
    """The Newsdesk for the index folder, or None after saying why there is nothing to ask yet."""
    if not has_index(index_dir):
        manage.first_build(index_dir, ARTICLES)
        return None
    try:
        desk = newsdesk(str(resolved(index_dir)))
        desk.refresh()  # another chat may have rebuilt the index: show its sources and counts
    except NewsdeskError as err:
        st.error(str(err))
        return None
    if not desk.index.articles:
        st.info(f"The index in `{index_dir}` holds no articles. Add some with *Manage the index* in the sidebar.")
        return None
    return desk


desk = ready_newsdesk()
if desk is None:
    st.chat_input("Ask about the news…", disabled=True)
else:
    summary = stats(str(desk.index.folder), desk)
    options = sidebar.ask_options(desk, summary)
    sidebar.index_summary(summary)
    chat.page(desk, summary, options)
manage.tools(index_dir, ARTICLES, report=has_index(index_dir))
