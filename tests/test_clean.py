"""Cleaning: the seed scrape, HTML pages with chrome, dates."""
from datetime import date

from conftest import SAMPLE, SEED_ID

from rag.ingest.clean import clean, parse_date
from rag.ingest.load import load_file
from rag.types import Document

SEED = SAMPLE / f"{SEED_ID}.txt"


def seed_article():
    (document,), _ = load_file(SEED, SEED_ID)
    return clean(document)


def test_seed_page_title_date_and_source():
    article = seed_article()
    assert article.title == "Elon Musk threatens to sue Microsoft claiming it used Twitter data without permission"
    assert article.published == date(2025, 2, 22)
    assert article.source == "Beautiful Virgin Islands"
    assert article.title not in article.text  # the duplicated headline is gone


def test_seed_page_chrome_and_related_headlines_removed_story_kept():
    text = seed_article().text
    for junk in ("Related Articles", "Newsletter", "0:00", "×", "Kash Patel", "Tequila Sector", "Beautiful Virgin Islands"):
        assert junk not in text
    assert "What is this spat about?" in text  # subhead stays
    assert text.startswith("Microsoft has reportedly dropped Twitter")
    assert text.endswith("products like its Bing search engine and Office apps.")
    raw = SEED.read_text()
    assert "For a minimum of $100 a month, Musk's platform says" in text and text.count("Lawsuit time") == 1
    # Verbatim: every kept paragraph is a paragraph of the original page.
    for paragraph in text.split("\n\n"):
        assert paragraph in raw


def test_html_page_main_text_and_metadata():
    html = """<html><head><title>Ignored | Site</title>
    <meta property="og:title" content="Council approves new ferry route">
    <meta property="og:site_name" content="Island Courier">
    <meta property="article:published_time" content="2025-02-19T08:30:00Z">
    <meta name="author" content="Ann Lee"></head>
    <body><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
    <div class="cookie-banner">We use cookies to improve your experience. Accept all cookies</div>
    <article><h1>Council approves new ferry route</h1>
    <p>The council approved a new ferry route between the two islands on Tuesday, after a year of consultation with residents.</p>
    <h2>What happens next</h2>
    <p>The first sailings are expected in the summer, with four crossings a day and a fare of 12 pounds for adults.</p></article>
    <aside><h3>Most read</h3><ul><li><a href="/a">Celebrity chef opens bakery</a></li></ul></aside>
    <footer>Copyright 2025 Island Courier. All rights reserved.</footer></body></html>"""
    article = clean(Document(id="ferry", path="ferry.html", kind="html", body=html))
    assert article.title == "Council approves new ferry route"
    assert article.source == "Island Courier"
    assert article.published == date(2025, 2, 19)
    assert "four crossings a day" in article.text
    for junk in ("cookies", "Most read", "Celebrity chef", "Copyright", "Sport"):
        assert junk not in article.text


def test_article_without_text_is_a_problem():
    result = clean(Document(id="x", path="x.html", kind="html", body="<html><body><nav>Home</nav></body></html>"))
    assert result.path == "x.html" and "no article text" in result.reason


def test_dates():
    assert parse_date("Saturday, Feb 22, 2025") == date(2025, 2, 22)
    assert parse_date("2023-09-26T14:00:00+00:00") == date(2023, 9, 26)
    assert parse_date("22 February 2025") == date(2025, 2, 22)
    assert parse_date("not a date") is None
