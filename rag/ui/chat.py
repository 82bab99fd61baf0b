"""The conversation: past turns with their sources, a new answer as it is produced, and the toolbar."""
from __future__ import annotations

from datetime import datetime

import streamlit as st

from ..desk import Newsdesk
from ..errors import NewsdeskError
from ..index.stats import IndexStats
from ..types import Answer
from .highlight import (
    answer_html,
    article_html,
    block,
    count,
    escape,
    nice_date,
    passage_html,
    question_html,
    source_head_html,
)
from .transcript import conversation_markdown
from .turns import (
    AskOptions,
    ChatTurn,
    SourceCard,
    article_texts,
    history_of,
    listed,
    source_cards,
)


def page(desk: Newsdesk, summary: IndexStats, options: AskOptions) -> None:
    """The chat page: header, history, the question box, and the new-conversation and download buttons."""
    turns: list[ChatTurn] = st.session_state.setdefault("turns", [])
    st.title("Newsdesk")
    dates = f", {nice_date(summary.first_date)} to {nice_date(summary.last_date)}" if summary.first_date else ""
    st.caption(f"Answers from {count(summary.articles, 'article')} by {count(len(summary.sources), 'source')}"
               f"{dates}. Every answer cites the articles it comes from.")
    toolbar = st.container(horizontal=True)
    question = (st.chat_input("Ask about the news…") or "").strip()  # pinned to the bottom wherever it is called
    if not turns and not question:
        with st.chat_message("assistant"):
            st.markdown("Ask me about the news in these articles. I answer with sentences from the articles and "
                        "number my sources; follow-up questions such as *How did they react?* continue the "
                        "conversation.")
    for i, turn in enumerate(turns):
        show_turn(turn, i)
    if question:
        turn = answer_new(desk, question, options, turns)
        if turn:
            turns.append(turn)
    if not turns:
        return
    with toolbar:
        st.button("New conversation", icon=":material/add_comment:", on_click=_new_conversation)
        st.download_button("Download as Markdown", conversation_markdown(turns, str(desk.index_dir)),
                           file_name=f"newsdesk-{datetime.now():%Y%m%d-%H%M}.md", mime="text/markdown",
                           icon=":material/download:", on_click="ignore")


def show_turn(turn: ChatTurn, i: int) -> None:
    with st.chat_message("user"):
        st.markdown(question_html(turn.question), unsafe_allow_html=True)
    with st.chat_message("assistant"):
        show_answer(turn, i)


def answer_new(desk: Newsdesk, question: str, options: AskOptions, turns: list[ChatTurn]) -> ChatTurn | None:
    """Ask, showing the text as it comes; then the checked answer with its sources. None after an error."""
    with st.chat_message("user"):
        st.markdown(question_html(question), unsafe_allow_html=True)
    with st.chat_message("assistant"):
        slot = st.empty()
        slot.caption("Searching the articles…")
        text, answer = "", None
        try:
            for piece in desk.stream(question, history=history_of(turns), **options.as_kwargs()):
                if isinstance(piece, Answer):
                    answer = piece
                else:
                    text += piece
                    slot.markdown(answer_html(text + " ▌"), unsafe_allow_html=True)
        except NewsdeskError as err:
            slot.error(str(err))
            return None
        turn = ChatTurn(question, answer, options, article_texts(desk.index, listed(answer)))
        with slot.container():
            show_answer(turn, len(turns))
        return turn


def show_answer(turn: ChatTurn, i: int) -> None:
    """The answer (its short answer first) with linked [n] markers, how it was found (on demand), and its
    numbered sources."""
    answer = turn.answer
    st.markdown(answer_html(answer.text, i, answer.citations, lead=not answer.abstained), unsafe_allow_html=True)
    if answer.abstained:
        st.markdown(block("nd-abstain", "None of the passages found answers this question"
                          + (": the closest are below." if answer.passages else ".")
                          + (" " + escape(answer.abstain_reason) if answer.abstain_reason else "")),
                    unsafe_allow_html=True)
    with st.expander("How this was answered", icon=":material/manage_search:", type="compact"):
        st.markdown(block("nd-meta", "Searched for: " + escape(answer.retrieval_query)), unsafe_allow_html=True)
        st.caption(f"{answer.backend} backend · {len(answer.passages)} passages read · "
                   f"{answer.latency_ms:,.0f} ms · {turn.options.describe()}")
        for note in answer.notes:
            st.markdown(block("nd-meta", escape(note)), unsafe_allow_html=True)
    cards = source_cards(answer)
    if cards:
        st.markdown(block("nd-label", "Closest sources" if answer.abstained else "Sources"), unsafe_allow_html=True)
    for card in cards:
        show_source(turn, i, card)


def show_source(turn: ChatTurn, i: int, card: SourceCard) -> None:
    """Title, source, date and link; the passage with its cited sentences marked; the whole article on demand."""
    hit = card.hit
    with st.container(border=True):
        st.markdown(source_head_html(hit, card.numbers, i), unsafe_allow_html=True)
        st.markdown(passage_html(hit, card.citations), unsafe_allow_html=True)
        if not all(c.verified for c in card.citations):
            st.caption("This citation could not be fully checked against the passage.")
        article = turn.articles.get(hit.article_id)
        if article:
            with st.expander("Read the whole article", icon=":material/article:"):
                st.markdown(article_html(article, hit, card.citations), unsafe_allow_html=True)


def _new_conversation() -> None:
    st.session_state.turns = []
