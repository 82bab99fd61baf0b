"""The Streamlit chat, driven through streamlit.testing's AppTest on real indexes, models and backends."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from conftest import ROOT, SEED_ID, write
from streamlit.testing.v1 import AppTest

from rag.answer.prompts import NOT_COVERED
from rag.text import split_sentences
from rag.types import Answer, Citation, Hit
from rag.ui.highlight import Span, answer_html, article_html, marked, passage_html
from rag.ui.transcript import conversation_markdown, escape
from rag.ui.turns import AskOptions, ChatTurn, article_texts

APP = str(ROOT / "app.py")
SEED_QUESTION = "Why did Microsoft drop Twitter?"
SEED_TITLE = "Elon Musk threatens to sue Microsoft claiming it used Twitter data without permission"
MARKUP_ARTICLE = (
    "# Harbour council approves new winter ferry timetable\n\n"
    "The harbour council approved a new winter ferry timetable on Tuesday after months of complaints from "
    "island commuters.\n\n"
    "Councillors said the <b>bold</b> change adds two early sailings. A notice on the council website read "
    "<script>alert(1)</script> before it was corrected.\n\n"
    "Fares rise from $5 to $10 and the timetable costs the council an extra *40,000* pounds a year in crew wages.\n"
)


def app(index_dir: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("RAG_INDEX_DIR", str(index_dir))
    # The first run of a session loads the embedding model: allow for it on a slow machine.
    return AppTest.from_file(APP, default_timeout=180).run()


def ask(at, question: str):
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return [m for m in at.chat_message if m.name == "assistant"][-1]


def texts(block) -> list[str]:
    return [m.value for m in block.markdown]


@pytest.fixture
def sample_app(sample_index_dir, monkeypatch):
    at = app(sample_index_dir, monkeypatch)
    assert not at.exception, at.exception
    return at


def test_seed_question_is_answered_with_a_cited_highlighted_passage(sample_app):
    reply = ask(sample_app, SEED_QUESTION)
    turn = sample_app.session_state["turns"][0]
    cited = [c for c in turn.answer.citations if c.hit.article_id == SEED_ID]
    assert not turn.answer.abstained and cited
    shown = "\n".join(texts(reply))
    assert f'<div class="nd-title">{SEED_TITLE}</div>' in shown
    n = cited[0].n
    assert f'href="#nd-0-{n}"' in shown and f'id="nd-0-{n}"' in shown  # the [n] marker leads to source n
    quote = html.escape(cited[0].quote, quote=False)
    assert f'<mark class="nd-quote">{quote}</mark>' in shown
    assert any("Read the whole article" in e.label for e in reply.expander)
    assert sample_app.download_button, "the conversation can be downloaded"


def test_follow_up_uses_the_conversation(sample_app):
    ask(sample_app, SEED_QUESTION)
    reply = ask(sample_app, "How did Musk react?")
    details = next(e for e in reply.expander if e.label == "How this was answered")
    searched = " ".join(m.value for m in details.markdown)
    assert "Why did Microsoft drop Twitter?" in searched and "How did Musk react?" in searched
    passages = [v for v in texts(reply) if v.startswith('<div class="nd-passage-text">')]
    assert any(re.search(r"threat\w* to sue|lawsuit", p, re.I) for p in passages), passages


def test_source_filter_changes_the_sources(sample_app):
    unfiltered = "\n".join(texts(ask(sample_app, SEED_QUESTION)))
    assert "Beautiful Virgin Islands" in unfiltered
    sample_app.sidebar.multiselect[0].set_value(["AdTech Insider Daily"]).run()
    filtered = ask(sample_app, SEED_QUESTION)
    heads = [v for v in texts(filtered) if v.startswith('<div class="nd-source-head"')]
    assert heads and all("AdTech Insider Daily" in h for h in heads)
    assert SEED_TITLE not in "\n".join(texts(filtered))


def test_unanswerable_question_abstains_like_an_answer(sample_app):
    reply = ask(sample_app, "What is the boiling point of liquid nitrogen on Neptune's moons?")
    shown = "\n".join(texts(reply))
    assert sample_app.session_state["turns"][0].answer.abstained
    assert f'<div class="nd-answer">{NOT_COVERED}</div>' in shown
    assert "Closest sources" in shown and '<div class="nd-source-head"' in shown
    assert "No article found mentions “Neptune”" in shown  # the reason, in words


def test_new_conversation_clears_the_chat(sample_app):
    ask(sample_app, SEED_QUESTION)
    next(b for b in sample_app.button if b.label == "New conversation").click().run()
    assert sample_app.session_state["turns"] == []
    assert not [m for m in sample_app.chat_message if m.name == "user"]


def test_no_index_then_upload_shows_article_markup_as_text(tmp_path, monkeypatch):
    index_dir = tmp_path / "index"
    at = app(index_dir, monkeypatch)
    assert any("No index yet" in m.value for m in at.markdown)
    assert any(b.label.startswith("Build the index from") for b in at.button)
    assert at.chat_input[0].disabled

    at.sidebar.file_uploader[0].set_value([("ferry.md", MARKUP_ARTICLE.encode(), "text/markdown"),
                                            ("notes.txt", b"", "text/plain")]).run()
    next(b for b in at.sidebar.button if b.label == "Add to the index").click().run()
    assert not at.exception, at.exception
    assert any("1 new or changed articles" in s.value for s in at.success), [s.value for s in at.success]
    assert any("notes.txt: empty file" in t.value for t in at.sidebar.text), "problems name the file and the reason"
    uploads = list((tmp_path / "data" / "uploads").glob("*/ferry.md"))
    assert len(uploads) == 1, "the upload is kept beside the index"

    reply = ask(at, "What did the harbour council approve?")
    shown = "\n".join(texts(reply))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown and "&lt;b&gt;bold&lt;/b&gt;" in shown
    everything = "\n".join(m.value for m in at.markdown)
    assert "<script" not in everything and "<b>" not in everything


def test_failed_rebuild_shows_the_error_and_keeps_the_index(tmp_path, monkeypatch):
    index_dir = tmp_path / "index"
    write(tmp_path / "articles", "ferry.md", MARKUP_ARTICLE)
    from rag.ingest.build import build_index

    build_index([tmp_path / "articles"], index_dir)
    monkeypatch.setenv("RAG_ALLOWED_ROOTS", str(tmp_path))  # other folders than the articles' need allowing
    at = app(index_dir, monkeypatch)
    at.sidebar.text_input(key="rebuild-folder").set_value(str(tmp_path / "missing")).run()
    next(b for b in at.sidebar.button if b.label == "Rebuild").click().run()
    assert not at.exception
    assert [e.value for e in at.error] and at.error[0].value.endswith("missing: no such file or folder")
    assert "Traceback" not in at.error[0].value
    assert not any(b.label.startswith("Build the index") for b in at.button), "the old index still answers"


def test_conversation_downloads_as_markdown_with_citations(sample_app):
    ask(sample_app, SEED_QUESTION)
    turns = sample_app.session_state["turns"]
    text = conversation_markdown(turns)
    answer = turns[0].answer
    assert f"## 1. {escape(SEED_QUESTION)}" in text and escape(answer.text) in text
    for c in answer.citations:
        assert f"{c.n}. **{escape(c.hit.title)}**" in text and f"   > {escape(' '.join(c.quote.split()))}" in text


def _hit(text: str, start: int = 0) -> Hit:
    return Hit(chunk_id="a#0", article_id="a", title="<i>T</i>", source="S", published=None, url="javascript:x",
               text=text, start=start, end=start + len(text), score=1.0)


def test_highlighting_escapes_every_piece_of_article_text():
    text = "A <b>x</b> said *this*. The $5 fee & <script>alert(1)</script> rose.\n\nNext."
    cited = Citation(n=1, hit=_hit(text), quote="The $5 fee & <script>alert(1)</script> rose.",
                     quote_start=text.index("The"), quote_end=text.index("\n"))
    html_ = passage_html(cited.hit, [cited])
    assert "<script" not in html_ and "<b>" not in html_
    assert '<mark class="nd-quote">The $5 fee &amp; &lt;script&gt;alert(1)&lt;/script&gt; rose.</mark>' in html_
    assert "\n" not in html_, "one line, so Markdown leaves the HTML block alone"

    article = "Intro <i>.\n" + text
    whole = article_html(article, _hit(text, start=len("Intro <i>.\n")), [cited])
    assert whole.startswith('<div class="nd-article">Intro &lt;i&gt;.<br><mark class="nd-passage">A &lt;b&gt;')
    assert '<mark class="nd-passage">' in whole and whole.count("</mark>") == 2

    linked = answer_html("It rose. [1] See [2]", turn=3, citations=[cited])
    assert '<a class="nd-cite" href="#nd-3-1" title="&lt;i&gt;T&lt;/i&gt;">[1]</a>' in linked
    assert '<span class="nd-cite">[2]</span>' in linked  # no source 2: not a link


def test_marked_nests_and_cuts_crossing_spans():
    assert marked("abcdef", [Span(0, 4, "o"), Span(2, 6, "i")]) == 'ab'.join(
        ['<mark class="o">', '<mark class="i">cd</mark></mark>ef'])
    assert marked("a<b", [Span(1, 2, "q")]) == 'a<mark class="q">&lt;</mark>b'


LIBRARY_ARTICLE = """# Island library reopens after flood repairs

The island library reopened on Saturday after eight months of repairs to flood damage, the council said.

Librarians said the children's section now has twice as many books and a new reading room overlooks the harbour.
"""


def test_chat_keeps_answering_during_a_rebuild_and_then_uses_the_new_index(tmp_path, monkeypatch):
    import threading

    from rag.ingest.build import build_index

    index_dir = tmp_path / "index"
    write(tmp_path / "old", "ferry.md", MARKUP_ARTICLE)
    write(tmp_path / "new", "library.md", LIBRARY_ARTICLE)
    build_index([tmp_path / "old"], index_dir)
    at = app(index_dir, monkeypatch)

    embedding, finish = threading.Event(), threading.Event()

    def paused(stage: str, done: int, total: int) -> None:
        if stage == "embed":  # hold the rebuild half-way, as another user's long rebuild would be
            embedding.set()
            finish.wait(timeout=120)

    rebuild = threading.Thread(target=build_index, args=([tmp_path / "new"], index_dir), kwargs={"progress": paused})
    rebuild.start()
    try:
        assert embedding.wait(timeout=120)
        during = ask(at, "What did the harbour council approve?")
        assert "Harbour council approves new winter ferry timetable" in "\n".join(texts(during))
    finally:
        finish.set()
        rebuild.join()
    after = ask(at, "When did the island library reopen?")
    assert "Island library reopens after flood repairs" in "\n".join(texts(after))


def test_outlet_question_shows_the_outlets_and_the_story_passage(sample_app):
    reply = ask(sample_app, "Which outlets carried the story about Pope Francis developing pneumonia in both lungs?")
    shown = "\n".join(texts(reply))
    answer = sample_app.session_state["turns"][0].answer
    assert answer.backend == "metadata" and not answer.abstained
    assert "Meridian Times" in shown and "Continental Wire" in shown
    assert '<div class="nd-source-head"' in shown and "pneumonia" in shown


def _cards_land(shown: str, turn: int = 0) -> list[str]:
    """The source heads shown, after checking that each [n] link of the answer has exactly one target."""
    heads = re.findall(r'<div class="nd-source-head">.*?</div></div></div>', shown)
    targets = re.findall(r'id="(nd-\d+-\d+)"', "".join(heads))
    links = re.findall(rf'href="#(nd-{turn}-\d+)"', shown)
    assert links and all(targets.count(link) == 1 for link in links), (links, targets)
    return heads


def _show_answer(turn):
    from rag.ui.chat import show_answer
    from rag.ui.style import apply

    apply()
    show_answer(turn, 0)


def test_two_citations_of_one_passage_share_one_card_with_both_sentences_marked(desk):
    hit = next(h for h in desk.retrieve("Godstone sinkhole burst water main SES Water").hits
               if "## Burst water main" in h.text)
    spans = [next((s, e) for s, e in split_sentences(hit.text) if words in hit.text[s:e])
             for words in ("SES Water confirmed", "Surrey Police closed")]
    citations = [Citation(n, hit, hit.text[s:e], s, e) for n, (s, e) in enumerate(spans, 1)]
    text = f"SES Water. [1] {citations[0].quote} [1] {citations[1].quote} [2]"
    answer = Answer("Whose water main burst under Godstone?", text, False, citations, [hit])
    turn = ChatTurn(answer.question, answer, AskOptions("extractive", 5), article_texts(desk.index, [hit]))
    at = AppTest.from_function(_show_answer, args=(turn,), default_timeout=60).run()
    assert not at.exception, at.exception
    shown = "\n".join(m.value for m in at.markdown)

    heads = _cards_land(shown)
    assert len(heads) == 1, "one card for the passage both citations quote"
    assert '<span class="nd-n" id="nd-0-1">1</span><span class="nd-n" id="nd-0-2">2</span>' in heads[0]
    for c in citations:
        assert shown.count(f'<mark class="nd-quote">{html.escape(c.quote, quote=False)}</mark>') == 2  # passage, article
    short = re.search(r'<div class="nd-short">(.*?)</div>', shown)
    assert short and short.group(1).startswith("SES Water.") and citations[0].quote not in short.group(1)
    assert '<strong class="nd-h">Burst water main</strong>' in shown and "##" not in shown


def test_article_headings_show_without_hashes_and_every_marker_lands_on_its_card(sample_app):
    reply = ask(sample_app, "Which company's water main burst beneath Godstone High Street?")
    answer = sample_app.session_state["turns"][0].answer
    assert not answer.abstained and any(c.hit.article_id == "uk/godstone-sinkhole" for c in answer.citations)
    shown = "\n".join(texts(reply))
    heads = _cards_land(shown)
    assert len(heads) == len({c.hit.chunk_id for c in answer.citations})
    assert '<strong class="nd-h">Burst water main</strong>' in shown  # the whole Godstone article
    assert "##" not in shown
