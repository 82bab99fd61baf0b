"""Retrieval (rag/retrieve.py) on a hand-made index: fusion, weights, the per-article cap, MMR, filters, dates.

The index is real (``write_version`` then ``open_index``: FAISS, BM25, SQLite) but tiny: 12 articles,
14 chunks, 8-dimensional unit vectors chosen by hand. Each query has its own axis, so the dense order
is known without a model: ``StubEmbedder`` stands in for the sentence-transformers ``Embedder``
(tested on the sample index elsewhere) and returns a hand-chosen vector for each question.
Only the "zeppelin hangar" question shares words with the passages, so BM25 finds nothing for the others.

Most tests keep ``candidates`` (per retriever, before fusion) small so the fused scores can be worked out
by hand. Those that work out ranks use reciprocal rank fusion (``RRF``), which gives a chunk at 0-based rank
r ``weight / (rrf_k + r + 1)`` per list; the default convex fusion has tests of its own.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from conftest import write_index

from rag.config import RetrieveSettings
from rag.retrieve import Filters, retrieve
from rag.types import Article, Chunk

DIM = 8
# The fusion tests read the fused scores alone: no lean to the newest article for questions naming no time.
FUSED = RetrieveSettings(newest_first_weight=0.0)
RRF = replace(FUSED, fusion="rrf", dense_weight=1.0, lexical_weight=1.0)
AS_OF = date(2024, 6, 5)  # a Wednesday: "last week" is Monday 27 May to Sunday 2 June


def unit(**axes: float) -> np.ndarray:
    """A unit vector from weights on axes e0..e7: ``unit(e0=0.8, e5=0.6)``."""
    v = np.zeros(DIM, dtype=np.float32)
    for name, weight in axes.items():
        v[int(name[1:])] = weight
    return v / np.linalg.norm(v)


# (article id, title, source, published, [(chunk text, vector)])
STORIES = [
    # "zeppelin hangar" (e0): dense ranks dense-first, dense-second, both; BM25 ranks lexical-first, both, lexical-third.
    ("dense-first", "Cardington airfield sold", "Courier", None,
     [("The old airfield at Cardington was sold to a developer.", unit(e0=1))]),
    ("dense-second", "Bedford airfield history", "Gazette", date(2024, 4, 2),
     [("Airships were built at Cardington a century ago.", unit(e0=0.9, e4=0.436))]),
    ("both", "Sheds to reopen", "Gazette", date(2024, 5, 20),
     [("The zeppelin hangar will reopen to visitors.", unit(e0=0.8, e5=0.6))]),
    ("lexical-first", "Airship tours", "Courier", date(2024, 3, 15),
     [("Tours of the zeppelin hangar and zeppelin works.", unit(e6=1))]),
    ("lexical-third", "Flight over Bedford", "Gazette", date(2024, 1, 10),
     [("A zeppelin flew over Bedford on Tuesday.", unit(e7=1))]),
    # "cliff" (e1): a story, a near-copy of it that deduplication missed, and a different passage.
    ("road", "Coast road falls into sea", "Herald", date(2024, 2, 1),
     [("Part of the coast road collapsed into the sea on Sunday.", unit(e1=1))]),
    ("road-copy", "Coast road falls into sea", "Herald", date(2024, 2, 1),
     [("Part of the coast road collapsed into the sea on Sunday night.", unit(e1=0.99, e4=0.141))]),
    ("evacuation", "Homes evacuated", "Herald", date(2024, 2, 2),
     [("Residents of twelve homes spent the night in a school hall.", unit(e1=0.8, e6=0.6))]),
    # "council budget" (e2): one article with three close passages, another just behind them.
    ("plans", "Bedford's plans for next year", "Gazette", date(2024, 3, 1),
     [("Bedford will spend £4m on roads.", unit(e2=1)),
      ("Libraries keep their opening hours.", unit(e2=0.95, e7=0.312)),
      ("Parking charges rise by 10%.", unit(e2=0.9, e5=0.436))]),
    ("reaction", "Opposition unmoved", "Courier", date(2024, 3, 2),
     [("Opposition members called the plans timid.", unit(e2=0.85, e4=0.527))]),
    # "port" (e3): the older article is a little closer; the newer one is from last week.
    ("strike", "Dock strike", "Courier", date(2024, 5, 1),
     [("Dock workers walked out over pay.", unit(e3=1))]),
    ("deal", "Dock deal", "Courier", date(2024, 5, 29),
     [("Dock workers returned after a pay deal.", unit(e3=0.9, e7=0.436))]),
]

QUESTIONS = {
    "zeppelin hangar": unit(e0=1),
    "Where did the cliff give way?": unit(e1=1),
    "What is in the council budget?": unit(e2=1),
    "What happened at the port?": unit(e3=1),
    "What happened at the port last week?": unit(e3=1),
    "What happened at the 2024 port talks?": unit(e3=1),
}


class StubEmbedder:
    """Stands in for ``rag.index.embed.Embedder``: a hand-chosen vector per question; counts the calls."""

    def __init__(self, vectors: dict[str, np.ndarray]):
        self.vectors = vectors
        self.calls = 0

    def embed_one(self, text: str) -> np.ndarray:
        self.calls += 1
        return self.vectors[text]


def build(stories) -> tuple[list[Article], list[Chunk], list[np.ndarray]]:
    articles, chunks, vectors = [], [], []
    for article_id, title, source, published, passages in stories:
        text = " ".join(passage for passage, _ in passages)
        articles.append(Article(id=article_id, title=title, text=text, source=source, published=published))
        start = 0
        for ordinal, (passage, vector) in enumerate(passages):
            end = start + len(passage)
            chunks.append(Chunk(f"{article_id}#{ordinal}", article_id, ordinal, passage, start, end, len(passage.split())))
            vectors.append(vector)
            start = end + 1
    return articles, chunks, vectors


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return write_index(tmp_path_factory.mktemp("tiny") / "index", *build(STORIES))


@pytest.fixture
def embedder():
    return StubEmbedder(QUESTIONS)


def ids(retrieval) -> list[str]:
    return [hit.chunk_id for hit in retrieval.hits]


def test_the_hand_made_index_ranks_as_designed(index):
    assert len(index) == 14 and len(index.articles) == 12
    dense = index.all_vectors() @ QUESTIONS["zeppelin hangar"]
    assert [index.chunk_ids[r] for r in np.argsort(-dense)[:3]] == ["dense-first#0", "dense-second#0", "both#0"]
    lexical = index.lexical.scores("zeppelin hangar")
    found = [index.chunk_ids[r] for r in np.argsort(-lexical) if lexical[r] > 0]
    assert found == ["lexical-first#0", "both#0", "lexical-third#0"]
    assert not index.lexical.scores("What happened at the port last week?").any()


def test_fusion_puts_a_chunk_both_retrievers_found_above_those_one_found(index, embedder):
    settings = replace(RRF, candidates=3)
    rrf = settings.rrf_k
    fused = {  # ranks 1-3 in the dense list, then in the BM25 list
        "dense-first#0": 1 / (rrf + 1),
        "dense-second#0": 1 / (rrf + 2),
        "both#0": 1 / (rrf + 3) + 1 / (rrf + 2),
        "lexical-first#0": 1 / (rrf + 1),
        "lexical-third#0": 1 / (rrf + 3),
    }
    top = max(fused.values())

    retrieval = retrieve(index, embedder, "zeppelin hangar", settings=settings)

    assert ids(retrieval)[0] == "both#0"
    assert {h.chunk_id: h.score for h in retrieval.hits} == pytest.approx({c: s / top for c, s in fused.items()})
    assert [h.score for h in retrieval.hits] == sorted((h.score for h in retrieval.hits), reverse=True)
    both = retrieval.hits[0]
    assert both.dense_score == pytest.approx(0.8, abs=1e-3) and both.lexical_score > 0
    assert both.text == "The zeppelin hangar will reopen to visitors." and both.source == "Gazette"


def test_convex_fusion_scores_every_candidate_by_both_searches(index, embedder):
    # Two candidates a search: dense ranks dense-first (cosine 1), dense-second (0.9); BM25 ranks lexical-first,
    # then both. Both searches score all four: "both" keeps its cosine 0.8 though the dense search did not rank it.
    settings = replace(FUSED, candidates=2)
    bm25 = index.lexical.scores("zeppelin hangar")
    row = {chunk_id: index.chunk_ids.index(chunk_id) for chunk_id in
           ("dense-first#0", "dense-second#0", "both#0", "lexical-first#0")}
    cosine = {"dense-first#0": 1.0, "dense-second#0": 0.9, "both#0": 0.8, "lexical-first#0": 0.0}
    best_bm25 = max(bm25[r] for r in row.values())
    w_dense, w_lexical = settings.dense_weight, settings.lexical_weight
    fused = {c: (w_dense * cosine[c] + w_lexical * bm25[r] / best_bm25) / (w_dense + w_lexical) for c, r in row.items()}
    top = max(fused.values())

    retrieval = retrieve(index, embedder, "zeppelin hangar", settings=settings)

    assert {h.chunk_id: h.score for h in retrieval.hits} == pytest.approx({c: v / top for c, v in fused.items()}, abs=1e-4)
    assert ids(retrieval)[0] == "both#0"  # close in meaning and sharing the words
    # Reciprocal rank sees "both" only at BM25's second place: below dense-first, first in one list.
    by_rank = retrieve(index, embedder, "zeppelin hangar", settings=replace(RRF, candidates=2))
    assert ids(by_rank).index("both#0") > ids(by_rank).index("dense-first#0")


def test_an_unknown_fusion_is_refused(index, embedder):
    with pytest.raises(ValueError, match="fusion must be one of convex, rrf"):
        retrieve(index, embedder, "zeppelin hangar", settings=RetrieveSettings(fusion="borda"))


@pytest.mark.parametrize("weights, first_three", [
    ({"dense_weight": 2.0}, ["both#0", "dense-first#0", "dense-second#0"]),
    ({"lexical_weight": 2.0}, ["both#0", "lexical-first#0", "lexical-third#0"]),
    ({"lexical_weight": 0.0}, ["dense-first#0", "dense-second#0", "both#0"]),  # the dense order alone
    ({"dense_weight": 0.0}, ["lexical-first#0", "both#0", "lexical-third#0"]),  # the BM25 order alone
])
def test_weights_shift_the_fused_order(index, embedder, weights, first_three):
    settings = replace(RRF, candidates=3, **weights)
    hits = retrieve(index, embedder, "zeppelin hangar", settings=settings).hits
    assert [h.chunk_id for h in hits[:3]] == first_three


@pytest.mark.parametrize("fusion", ["rrf", "convex"])
def test_the_weights_decide_between_a_dense_and_a_lexical_first(index, embedder, fusion):
    def score(chunk_id, **weights):
        settings = replace(RRF, fusion=fusion, candidates=3, **weights)
        hits = retrieve(index, embedder, "zeppelin hangar", settings=settings).hits
        return next(h.score for h in hits if h.chunk_id == chunk_id)

    assert score("dense-first#0") == pytest.approx(score("lexical-first#0"))
    assert score("dense-first#0", dense_weight=2.0) > score("lexical-first#0", dense_weight=2.0)
    assert score("dense-first#0", lexical_weight=2.0) < score("lexical-first#0", lexical_weight=2.0)


def test_at_most_max_per_article_passages_of_one_article(index, embedder):
    settings = RetrieveSettings(candidates=4, k=3, mmr_lambda=1.0)
    question = "What is in the council budget?"

    capped = retrieve(index, embedder, question, settings=settings)
    uncapped = retrieve(index, embedder, question, settings=replace(settings, max_per_article=3))

    assert ids(capped) == ["plans#0", "plans#1", "reaction#0"]
    assert ids(uncapped) == ["plans#0", "plans#1", "plans#2"]
    assert [h.text for h in capped.hits[:2]] == ["Bedford will spend £4m on roads.", "Libraries keep their opening hours."]


def test_mmr_prefers_a_different_passage_to_a_near_copy(index, embedder):
    settings = replace(RRF, candidates=3, k=2)
    question = "Where did the cliff give way?"
    # Fused (dense only): road 1, road-copy 61/62, evacuation 61/63. Beside the chosen road passage:
    # road-copy 0.75 * 61/62 - 0.25 * 0.99 = 0.490 < evacuation 0.75 * 61/63 - 0.25 * 0.80 = 0.526.
    assert ids(retrieve(index, embedder, question, settings=settings)) == ["road#0", "evacuation#0"]
    # Relevance alone keeps the near-copy.
    only_relevance = replace(settings, mmr_lambda=1.0)
    assert ids(retrieve(index, embedder, question, settings=only_relevance)) == ["road#0", "road-copy#0"]


# With one candidate per retriever, unfiltered: dense-first (dense) and lexical-first (BM25). A filter
# applied after the searches would leave nothing; applied inside both, the best allowed of each comes back.
@pytest.mark.parametrize("filters, expected", [
    (Filters(), {"dense-first#0", "lexical-first#0"}),
    (Filters(sources=("gazette",)), {"dense-second#0", "both#0"}),  # sources match whatever the case
    (Filters(sources=("Courier", "Herald")), {"dense-first#0", "lexical-first#0"}),
    (Filters(until=date(2024, 4, 30)), {"dense-second#0", "lexical-first#0"}),
    (Filters(since=date(2024, 5, 1)), {"both#0"}),
    (Filters(since=date(2000, 1, 1)), {"dense-second#0", "lexical-first#0"}),  # undated dense-first is out
    (Filters(sources=("Gazette",), since=date(2024, 1, 1), until=date(2024, 4, 30)), {"dense-second#0", "lexical-third#0"}),
])
def test_filters_apply_inside_both_searches(index, embedder, filters, expected):
    retrieval = retrieve(index, embedder, "zeppelin hangar", filters=filters, settings=RetrieveSettings(candidates=1))
    assert set(ids(retrieval)) == expected
    for hit in retrieval.hits:
        assert not filters.sources or hit.source.lower() in {s.lower() for s in filters.sources}
        assert not filters.since or (hit.published and hit.published >= filters.since)
        assert not filters.until or (hit.published and hit.published <= filters.until)


@pytest.mark.parametrize("filters", [Filters(sources=("Nobody",)), Filters(since=date(2030, 1, 1))])
def test_nothing_allowed_returns_no_hits_without_embedding(index, embedder, filters):
    retrieval = retrieve(index, embedder, "zeppelin hangar", filters=filters)
    assert retrieval.hits == []
    assert embedder.calls == 0


def test_an_empty_index_returns_no_hits(tmp_path, embedder):
    empty = write_index(tmp_path / "index", [], [], np.zeros((0, DIM)))
    retrieval = retrieve(empty, embedder, "zeppelin hangar")
    assert len(empty) == 0 and retrieval.hits == [] and retrieval.as_of is None
    assert embedder.calls == 0


def test_last_week_moves_a_dated_article_up(index, embedder):
    settings = replace(RRF, candidates=2)
    plain = retrieve(index, embedder, "What happened at the port?", as_of=AS_OF, settings=settings)
    dated = retrieve(index, embedder, "What happened at the port last week?", as_of=AS_OF, settings=settings)

    assert plain.time is None and ids(plain) == ["strike#0", "deal#0"]
    assert (dated.time.start, dated.time.end) == (date(2024, 5, 27), date(2024, 6, 2))
    assert ids(dated) == ["deal#0", "strike#0"]
    # Fused 1 and 61/62; then recency_weight of the score is how well the date fits: 1 inside the window,
    # halving every 7 days outside it (the strike is 26 days before it starts).
    w = settings.recency_weight
    assert [h.score for h in dated.hits] == pytest.approx([(1 - w) * 61 / 62 + w, (1 - w) + w * 0.5 ** (26 / 7)])


def test_a_question_naming_no_time_leans_to_the_newest_article(index, embedder):
    settings = replace(RRF, candidates=2, newest_first_weight=0.5)
    plain = retrieve(index, embedder, "What happened at the port?", as_of=AS_OF, settings=settings)
    with_year = retrieve(index, embedder, "What happened at the 2024 port talks?", as_of=AS_OF, settings=settings)

    assert plain.time.phrase == "none named, newest first" and ids(plain) == ["deal#0", "strike#0"]
    # Fused 61/62 and 1, each scaled by 0.5 + 0.5 x its freshness: halving every 30 days before 5 June.
    assert [h.score for h in plain.hits] == pytest.approx([61 / 62 * (0.5 + 0.5 * 0.5 ** (7 / 30)),
                                                           0.5 + 0.5 * 0.5 ** (35 / 30)])
    # A year, quarter or edition says which time is asked about: the fused order stands.
    assert with_year.time is None and ids(with_year) == ["strike#0", "deal#0"]
    assert ids(retrieve(index, embedder, "What happened at the port?", as_of=AS_OF,
                        settings=replace(settings, newest_first_weight=0.0))) == ["strike#0", "deal#0"]


def test_as_of_defaults_to_the_newest_article(index, embedder):
    retrieval = retrieve(index, embedder, "What happened at the port last week?", settings=RetrieveSettings(candidates=2))
    assert retrieval.as_of == date(2024, 5, 29)
    assert retrieval.time.start == date(2024, 5, 20)  # the week before the week of 29 May


@pytest.mark.parametrize("text, added", [
    ("revenue in Q1 2021", ["first", "quarter"]),
    ("revenue in the first quarter of 2021", ["q1"]),
    ("profit for H2", ["second", "half"]),
    ("the first half of the quarter", ["h1"]),  # "half" "quarter" is no pair
    ("second place, a quarter of voters", []),  # the words apart are no period
])
def test_a_period_is_searched_and_covered_both_ways_it_is_written(text, added):
    from rag.index.lexical import terms, with_equivalents

    assert with_equivalents(terms(text)) == terms(text) + added


def test_bm25_finds_the_spelled_out_quarter_for_q1():
    from rag.index.lexical import LexicalIndex

    lexical = LexicalIndex.build(["Tesla revenue rose in the first quarter.", "Tesla revenue fell in the fourth quarter."])
    scores = lexical.scores("Tesla revenue Q1")
    assert scores[0] > scores[1]


def test_bm25_weighs_a_term_by_the_length_of_the_chunk_as_set():
    from rag.config import LexicalSettings
    from rag.index.lexical import LexicalIndex

    texts = ["The zeppelin flew.", "The zeppelin flew over Bedford, Luton, Cardington and the Ouse valley at dusk."]
    unnormalised = LexicalIndex.build(texts, LexicalSettings(b=0.0)).scores("zeppelin")
    assert unnormalised[0] == pytest.approx(unnormalised[1])  # b 0: length does not count
    default = LexicalIndex.build(texts).scores("zeppelin")
    partly = LexicalIndex.build(texts, LexicalSettings(b=0.75)).scores("zeppelin")
    # The default (b 1) favours the short chunk more than BM25's usual 0.75 does.
    assert default[0] / default[1] > partly[0] / partly[1] > 1

