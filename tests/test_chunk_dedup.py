"""Chunking by tokens at sentence boundaries, and duplicate detection."""
from datetime import date

from conftest import SAMPLE

from rag.config import ChunkSettings
from rag.ingest.chunk import chunk_article, embedding_text
from rag.ingest.clean import clean, content_hash
from rag.ingest.dedup import find_duplicates
from rag.ingest.load import load_documents
from rag.ingest.tokens import count_tokens
from rag.text import split_sentences
from rag.types import Article


def sample_articles():
    documents, _ = load_documents([SAMPLE])
    return [a for a in map(clean, documents) if isinstance(a, Article)]


def test_chunks_point_at_their_text_and_respect_the_token_budget():
    settings = ChunkSettings(max_tokens=120, overlap_tokens=30)
    for article in sample_articles():
        chunks = chunk_article(article, settings)
        assert chunks, article.id
        sentence_starts = {s for s, _ in split_sentences(article.text)}
        for chunk in chunks:
            assert article.text[chunk.start:chunk.end] == chunk.text
            assert chunk.start in sentence_starts  # cut at sentence boundaries
            assert count_tokens(chunk.text) <= settings.max_tokens + 5  # joins between sentences add a few
        assert chunks[0].start == 0 and chunks[-1].end == len(article.text.rstrip())
        for a, b in zip(chunks, chunks[1:]):
            assert article.text[a.end:b.start].strip() == ""  # overlap or adjacent: no text falls between
            assert b.start > a.start


def test_embedded_text_carries_title_and_date():
    article = Article(id="a", title="Ferry route approved", text="The council voted on Tuesday. " * 3,
                      published=date(2025, 2, 19))
    chunk = chunk_article(article)[0]
    assert embedding_text(article, chunk).startswith("Ferry route approved (2025-02-19)\n")


def test_sample_near_duplicates_are_found_and_distinct_stories_kept():
    articles = sample_articles()
    kept, duplicates = find_duplicates(articles)
    pairs = {(d.article_id, d.kept_id) for d in duplicates}
    assert len(duplicates) >= 3
    assert ("wire-0002", "tech/twitter-api-pricing") in pairs or ("tech/twitter-api-pricing", "wire-0002") in pairs
    assert all(d.reason.startswith("near") for d in duplicates)
    assert "000_f5fe240bd9425564" in {a.id for a in kept}
    assert len(kept) + len(duplicates) == len(articles)


def test_exact_duplicate_found_regardless_of_case_and_spacing():
    text = "Musk threatened to sue Microsoft over Twitter data. The company declined to comment on Tuesday."
    a = Article(id="a", title="A", text=text, content_hash=content_hash(text))
    b = Article(id="b", title="B", text=text.upper().replace(" ", "  "), content_hash=content_hash(text.upper()))
    kept, duplicates = find_duplicates([a, b])
    assert [k.id for k in kept] == ["a"] and duplicates[0].reason == "exact" and duplicates[0].kept_id == "a"
