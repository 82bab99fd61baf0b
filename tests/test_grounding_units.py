"""The citation check (rag/grounding/cite.py) and the evidence gate (rag/grounding/evidence.py) with a stub scorer.

``StubScorer`` stands in for ``rag.grounding.scorer.SupportScorer`` (embeddings and BM25 weights, tested
on the sample index elsewhere): it has the same methods, but the scores are set by hand per
(claim or question, passage sentence). Sentences are split by the real ``rag.text.split_sentences``.
The passages are hand-made ``Hit`` objects; the gate's focus check reads a real, tiny index.
"""
from __future__ import annotations

import re
from datetime import date

import numpy as np
import pytest
from conftest import write_index

from rag.answer.prompts import NOT_COVERED
from rag.config import AnswerSettings, GroundingSettings
from rag.grounding.cite import check_citations
from rag.grounding.evidence import Evidence, missing_names, weigh_evidence
from rag.grounding.scorer import ScoredSentence
from rag.question.focus import Focus
from rag.text import split_sentences
from rag.types import Article, Chunk, Hit

SUPPORTED = GroundingSettings().supported


class StubScorer:
    """``SupportScorer``'s methods with hand-set scores.

    ``support``: (text, passage sentence) -> score (also used as the sentence's lexical share), 0 when unset.
    ``covered``: what ``coverage`` says of any passages; ``article_coverage``: article title -> what
    ``coverage_in`` says of that article; ``mentions``: the focus (or an alternative) is a word of the text.
    """

    settings = GroundingSettings()

    def __init__(self, support=None, covered=1.0, article_coverage=None):
        self.support = support or {}
        self.covered = covered
        self.article_coverage = article_coverage or {}

    def sentences(self, text, passages):
        return [ScoredSentence(p, a, b, hit.text[a:b], 0.0, self._score(text, hit.text[a:b]), self._score(text, hit.text[a:b]))
                for p, hit in enumerate(passages) for a, b in split_sentences(hit.text)]

    def best_support(self, claim, hit):
        return max(self.sentences(claim, [hit]), key=lambda s: s.score, default=None)

    def coverage(self, text, passages, optional=""):
        return self.covered

    def coverage_in(self, text, documents, optional=""):
        return max(self.article_coverage.get(d.split("\n", 1)[0], 0.0) for d in documents)

    def mentions(self, focus, text):
        return any(re.search(rf"\b{re.escape(w)}\b", text, re.IGNORECASE) for w in focus.words)

    def _score(self, text, sentence):
        return self.support.get((text, sentence), 0.0)


def hit(chunk_id, text, title="", published=None, dense_score=0.5):
    article_id = chunk_id.split("#")[0]
    return Hit(chunk_id, article_id, title, "Courier", published, "", text, 0, len(text), 1.0, dense_score)


# ---- the citation check ----

PASSAGES = [
    hit("pay#0", "Tesco paid £5m in compensation. The payouts began in May."),
    hit("error#0", "The supermarket said the error affected 90,000 customers."),
    hit("shares#0", "Shares rose 2% on Friday."),
]
PAID = "Tesco paid £5m in compensation."
AFFECTED = "The error affected 90,000 customers."
SHARES = "Shares rose 2% on Friday."
CLOSING = "Tesco will close stores."
SCORER = StubScorer({
    (PAID, PAID): 0.9,
    (AFFECTED, "The supermarket said the error affected 90,000 customers."): 0.8,
    (AFFECTED, PAID): 0.2,
    (SHARES, SHARES): 0.95,
    (CLOSING, PAID): 0.3,  # the closest sentence anywhere, and below SUPPORTED
})


def cited(checked):
    return [(c.n, c.hit.chunk_id, c.quote, c.verified) for c in checked.citations]


def test_a_supported_citation_is_kept_with_the_sentence_it_quotes():
    checked = check_citations("Tesco paid £5m in compensation [1].", PASSAGES, SCORER)
    assert checked.text == f"{PAID} [1]"  # the marker is written after the sentence
    assert cited(checked) == [(1, "pay#0", PAID, True)]
    quote = checked.citations[0]
    assert PASSAGES[0].text[quote.quote_start:quote.quote_end] == quote.quote
    assert checked.notes == [] and not checked.abstained and checked.supported == 1


def test_a_short_claim_listing_names_is_held_by_the_sentence_that_lists_each():
    senate = [hit("senate#0", "Two Republicans, Susan Collins of Maine and Lisa Murkowski of Alaska, voted no.")]
    checked = check_citations("Susan Collins and Lisa Murkowski [1].", senate, StubScorer())
    assert [c.verified for c in checked.citations] == [True]
    assert not check_citations("Susan Collins and Mitch McConnell [1].", senate, StubScorer()).citations[0].verified
    # A lower-case claim is no list of names: it must be there as written.
    assert not check_citations("voted no and Maine [1].", senate, StubScorer()).citations[0].verified


def test_a_marker_naming_no_shown_passage_is_removed_with_a_note():
    checked = check_citations("Tesco paid £5m in compensation [1][7].", PASSAGES, SCORER)
    assert checked.text == f"{PAID} [1]"
    assert cited(checked) == [(1, "pay#0", PAID, True)]
    assert checked.notes == ["removed citation [7]: no passage 7 was shown"]


def test_a_claim_citing_only_unshown_passages_goes_to_the_one_that_supports_it():
    checked = check_citations("Tesco paid £5m in compensation [4].", PASSAGES, SCORER)
    assert cited(checked) == [(1, "pay#0", PAID, True)]
    assert checked.notes == ["removed citation [4]: no passage 4 was shown"]


def test_an_unsupported_citation_moves_to_the_passage_that_supports_it():
    checked = check_citations("The error affected 90,000 customers [1].", PASSAGES, SCORER)
    assert checked.text == f"{AFFECTED} [1]"
    assert cited(checked) == [(1, "error#0", "The supermarket said the error affected 90,000 customers.", True)]
    assert checked.notes == [f'moved citation of "{AFFECTED}" to the passage that supports it']


def test_an_uncited_claim_gets_the_passage_that_supports_it_without_a_note():
    checked = check_citations(AFFECTED, PASSAGES, SCORER)
    assert cited(checked) == [(1, "error#0", "The supermarket said the error affected 90,000 customers.", True)]
    assert checked.notes == []


def test_a_claim_nothing_supports_keeps_its_citation_flagged_unverified():
    checked = check_citations("Tesco will close stores [1].", PASSAGES, SCORER)
    assert checked.text == f"{CLOSING} [1]"
    assert cited(checked) == [(1, "pay#0", PAID, False)]
    assert checked.notes == [f'unsupported: "{CLOSING}"'] and checked.supported == 0


def test_an_uncited_claim_nothing_supports_is_dropped_once_another_is_verified():
    checked = check_citations(f"Tesco paid £5m in compensation [1]. {CLOSING}", PASSAGES, SCORER)
    assert checked.text == f"{PAID} [1]"
    assert checked.notes == [f'dropped, no source: "{CLOSING}"']


def test_an_uncited_claim_nothing_supports_stays_when_nothing_is_verified():
    checked = check_citations(CLOSING, PASSAGES, SCORER)
    assert checked.text == CLOSING and checked.citations == []
    assert checked.notes == [f'no source for: "{CLOSING}"'] and not checked.abstained


def test_citations_are_renumbered_in_order_of_appearance():
    checked = check_citations(
        "Shares rose 2% on Friday [3]. Tesco paid £5m in compensation [1]. Shares rose 2% on Friday [3].",
        PASSAGES, SCORER)
    assert checked.text == f"{SHARES} [1] {PAID} [2] {SHARES} [1]"  # one number per quoted sentence
    assert cited(checked) == [(1, "shares#0", SHARES, True), (2, "pay#0", PAID, True)]


@pytest.mark.parametrize("raw", ["Tesco will close stores [1]. Tesco paid £5m in compensation [1].",
                                 "Tesco paid £5m in compensation [1]. Tesco will close stores [1]."])
def test_a_sentence_two_claims_quote_is_verified_if_it_backs_either_whatever_their_order(raw):
    checked = check_citations(raw, PASSAGES, SCORER)
    assert cited(checked) == [(1, "pay#0", PAID, True)]
    assert checked.notes == [f'unsupported: "{CLOSING}"']


def test_a_marker_split_off_to_the_next_sentence_goes_back_to_its_claim():
    checked = check_citations(f"{PAID} [1] {SHARES} [3]", PASSAGES, SCORER)
    assert checked.text == f"{PAID} [1] {SHARES} [2]"
    assert [c.hit.chunk_id for c in checked.citations] == ["pay#0", "shares#0"]


@pytest.mark.parametrize("raw", [
    NOT_COVERED,
    "The articles do not cover this [2].",
    "the articles do not cover this",
    "The articles do not cover this. But Tesco paid £5m in compensation [1].",  # said first, it decides
    "I don't know.",
    "   ",
])
def test_saying_the_articles_do_not_cover_it_abstains(raw):
    checked = check_citations(raw, PASSAGES, SCORER)
    assert checked.abstained and checked.text == NOT_COVERED
    assert checked.citations == [] and checked.notes == []


def test_a_stray_not_covered_after_a_verified_claim_is_dropped():
    checked = check_citations(f"{PAID} [1] {NOT_COVERED}", PASSAGES, SCORER)
    assert not checked.abstained and checked.text == f"{PAID} [1]"
    assert checked.notes == [f'dropped, no source: "{NOT_COVERED}"']


AGREED = "All three reports agree."
EVERY_SENTENCE = StubScorer({(AGREED, s): 0.9 for s in (PAID, SHARES, "The supermarket said the error affected 90,000 customers.")})


@pytest.mark.parametrize("marker, passages", [
    ("[2]", ["error#0"]),
    ("[1-3]", ["pay#0", "error#0", "shares#0"]),
    ("[1–2]", ["pay#0", "error#0"]),
    ("[1, 3]", ["pay#0", "shares#0"]),
    ("[2 and 3]", ["error#0", "shares#0"]),
    ("[1][3]", ["pay#0", "shares#0"]),
    ("【1】", ["pay#0"]),
    ("[Passage 2]", ["error#0"]),
    ("[passages 1, 2]", ["pay#0", "error#0"]),
])
def test_marker_forms_models_write(marker, passages):
    checked = check_citations(f"All three reports agree {marker}.", PASSAGES, EVERY_SENTENCE)
    assert [c.hit.chunk_id for c in checked.citations] == passages
    assert checked.text == AGREED + "".join(f" [{n}]" for n in range(1, len(passages) + 1))


# ---- the evidence gate ----

SETTINGS = AnswerSettings()
DEEP = Focus("deep", ("depth", "deeper", "deepest"), with_figure=True)


@pytest.mark.parametrize("evidence, reason", [
    (Evidence(0.5, 0.9, 0.5), ""),
    (Evidence(0.5, SETTINGS.min_coverage, 0.0), ""),  # the bound itself is enough
    (Evidence(0.5, 0.9, 0.5, missing_names=("GitHub",)), "No article found mentions “GitHub”."),
    (Evidence(0.5, 0.9, 0.5, other_years=(2022,)), "The articles found tell of another year than “2022”."),
    (Evidence(0.5, 0.9, 0.5, missing_names=("GitHub", "2018")), "No article found mentions “GitHub” or “2018”."),
    (Evidence(0.5, 0.9, 0.5, missing_names=("Musk", "GitHub", "2018")),
     "No article found mentions “Musk”, “GitHub” or “2018”."),
    (Evidence(0.5, 0.59, 0.5), "The closest passages match too little of the question."),
    (Evidence(0.5, 0.1, 0.5, missing_names=("GitHub",)), "No article found mentions “GitHub”."),  # names first
    (Evidence(0.5, 0.9, 0.5, focus=DEEP, focus_coverage=0.3),
     "No article that covers this question gives a figure for “deep”."),
    (Evidence(0.5, 0.9, 0.5, focus=Focus("court"), focus_coverage=0.3),
     "No article that covers this question mentions “court”."),
    (Evidence(0.5, 0.9, 0.5, focus=Focus("court"), focus_coverage=0.6), ""),
])
def test_evidence_says_why_it_is_not_enough(evidence, reason):
    assert evidence.reason(SETTINGS) == reason
    assert evidence.sufficient(SETTINGS) == (reason == "")


def test_similarity_and_answer_support_floors_when_set():
    evidence = Evidence(best_similarity=0.3, coverage=0.9, answer_support=0.2)
    assert evidence.sufficient(SETTINGS)  # both floors are off by default
    for strict in (AnswerSettings(min_similarity=0.4), AnswerSettings(min_answer_support=0.5)):
        assert not evidence.sufficient(strict)
        assert evidence.reason(strict) == "The closest passages are too far from the question."


def test_evidence_reads_as_one_line():
    evidence = Evidence(0.42, 0.8, 0.5, missing_names=("GitHub",), focus=DEEP, focus_coverage=0.25)
    assert str(evidence) == ("similarity 0.42, coverage 0.80, answer support 0.50, not found: GitHub, "
                             "focus 'deep' in an article covering 0.25")


TWITTER = hit("twitter#0", "Twitter began charging for its API.", title="Twitter's new prices",
              published=date(2023, 2, 2))
MUSK = hit("musk#0", "Musk said the fees would stay.", title="Fees stay")


@pytest.mark.parametrize("question, missing", [
    ("Why did Microsoft drop Twitter?", ("Microsoft",)),
    ("Did GitHub charge for the API?", ("GitHub",)),  # "Did" starts the sentence: no name
    ("Twitter charges. Did Microsoft pay?", ("Microsoft",)),  # nor does the first word after a full stop
    ("In short: Who pays Twitter?", ()),
    ("What are Twitter's new prices?", ()),  # the title counts
    ("What did twitter charge in 2023?", ()),  # so does the date
    ("What did Twitter charge in 2024?", ("2024",)),
    ("What did Bezos’s lawyers say about Twitter?", ("Bezos",)),  # the possessive goes
    ("How did Rolls-Royce react?", ("Rolls-Royce",)),
    ("Did 3 firms leave Twitter?", ()),  # one digit is no name
    ("Did the World Cup air on Twitter?", ("World", "Cup")),
    ("Did Twitter lose 1,172 users?", ("1,172",)),  # a number is read whole, not as its "172"
    ("Did Twitter charge 3.5 cents?", ("3.5",)),
    # Who a finding is attributed to is not what is asked.
    ("What did Twitter charge, according to Reuters?", ()),
    ("What did Twitter charge according to a survey by Ofcom?", ()),
    ("What did Twitter charge Reuters, according to its filing?", ("Reuters",)),
    # A person's given names and nationality words describe; the surname must be found (spaCy's PERSON, NORP).
    ("What did Elon Musk say about Twitter?", ()),
    ("What did Mo Farah say about Twitter?", ("Farah",)),
    ("What do British users pay Twitter?", ()),
    ("What does Twitter charge for its Pro API tier?", ("Pro",)),  # no person: every word is needed
    # The sentences before the question set its context: their names need not be found, unless it repeats them.
    ("GitHub moved to Azure in 2024. What did Twitter charge?", ()),
    ("GitHub moved to Azure in 2024. What did GitHub charge?", ("GitHub",)),
    # A year after "since", "by", "before" ... is a point of reference: the answering article need not write it.
    ("What has Twitter charged since 2024?", ()),
    ("What has Twitter charged since early 2024?", ()),
    ("What did Twitter charge in 2024?", ("2024",)),
])
def test_missing_names_are_names_and_numbers_no_passage_contains(question, missing):
    assert missing_names(question, [TWITTER, MUSK]) == missing


class RecordingScorer(StubScorer):
    """Records the optional words each coverage was asked with."""

    def __init__(self, covered):
        super().__init__(covered=covered, article_coverage={"Godstone sinkhole grows": covered})
        self.optional = []

    def coverage(self, text, passages, optional=""):
        self.optional.append(optional)
        return super().coverage(text, passages)


def test_who_reported_a_finding_and_when_count_for_coverage_only_where_found(index):
    scorer = RecordingScorer(covered=0.9)
    weigh_evidence("Which sinkhole opened this week, according to a survey by Ofcom?", [passage("update")], index,
                   scorer)
    assert len(scorer.optional) == 1  # covered enough: spaCy's modifiers are not asked for
    assert "Ofcom" in scorer.optional[0] and "this week" in scorer.optional[0] and "sinkhole" not in scorer.optional[0]


def test_plain_modifiers_count_only_where_found_when_coverage_falls_short(index):
    from rag.entities import modifiers

    question = "Which controversial sinkhole famously opened on the busiest street?"
    assert {"controversial", "famously"} <= set(modifiers(question)) and "busiest" not in modifiers(question)
    scorer = RecordingScorer(covered=0.5)  # below AnswerSettings().min_coverage: weighed again without them
    weigh_evidence(question, [passage("update")], index, scorer)
    assert len(scorer.optional) == 2 and "controversial" not in scorer.optional[0]
    assert "controversial" in scorer.optional[1] and "busiest" not in scorer.optional[1]


def test_optional_words_count_only_where_found(desk):
    scorer = desk.scorer
    passage = desk.retrieve("Why did Microsoft drop Twitter?").hits[:1]
    text = [f"{passage[0].title}\n{passage[0].text}"]
    plain = scorer.coverage_in("Why did Microsoft drop Twitter?", text)
    assert plain > 0.6
    # "this week" is in no passage: as optional words it changes nothing; as asked words it lowers coverage.
    asked = "Why did Microsoft drop Twitter this week?"
    assert scorer.coverage_in(asked, text, optional="this week") == plain
    assert scorer.coverage_in(asked, text) < plain
    # Found optional words count like any other: "Microsoft" is in the passage.
    assert scorer.coverage_in("Why did Microsoft drop Twitter?", text, optional="Microsoft") == plain


# The focus check reads whole articles from the index.
SINKHOLE = "A sinkhole opened on the high street in Godstone on Tuesday. Residents were moved out."
UPDATE = "The Godstone sinkhole is now 20 metres deep, engineers said."
SHAFT = "Miners found a shaft 30 metres deep under a field in Kent."
ARTICLES = [
    Article("sinkhole", "Sinkhole swallows Godstone road", SINKHOLE, "Courier", date(2024, 1, 9)),
    Article("update", "Godstone sinkhole grows", UPDATE, "Courier", date(2024, 1, 12)),
    Article("shaft", "Mine shaft found", SHAFT, "Herald", date(2024, 1, 10)),
]
QUESTION = "How deep is the Godstone sinkhole?"


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    chunks = [Chunk(f"{a.id}#0", a.id, 0, a.text, 0, len(a.text), 20) for a in ARTICLES]
    return write_index(tmp_path_factory.mktemp("gate") / "index", ARTICLES, chunks, np.eye(3, 4))


def passage(article_id, dense_score=0.5):
    article = next(a for a in ARTICLES if a.id == article_id)
    return hit(f"{article_id}#0", article.text, article.title, article.published, dense_score)


GATE = StubScorer(
    {(QUESTION, UPDATE): 0.7, (QUESTION, SHAFT): 0.3, (QUESTION, "Residents were moved out."): 0.9},
    covered=0.9,
    article_coverage={"Sinkhole swallows Godstone road": 0.9, "Godstone sinkhole grows": 0.8, "Mine shaft found": 0.2},
)


def test_the_gate_passes_passages_that_answer_the_question(index):
    evidence = weigh_evidence(QUESTION, [passage("sinkhole", 0.7), passage("update", 0.6)], index, GATE)
    assert evidence.focus == DEEP and evidence.focus_coverage == 0.8  # the update names "deep"
    assert evidence.best_similarity == 0.7 and evidence.coverage == 0.9
    assert evidence.answer_support == 0.7  # only sentences that give a figure answer "how deep"
    assert evidence.missing_names == ()
    assert evidence.sufficient(SETTINGS) and evidence.reason(SETTINGS) == ""


@pytest.mark.parametrize("order", [("sinkhole", "shaft"), ("shaft", "sinkhole")])
def test_the_gate_abstains_when_no_covering_article_names_the_focus(index, order):
    # The sinkhole article covers the question but gives no depth; the mine shaft is "deep" but off topic.
    evidence = weigh_evidence(QUESTION, [passage(article_id) for article_id in order], index, GATE)
    assert evidence.focus_coverage == 0.2 and evidence.answer_support == 0.3
    assert evidence.reason(SETTINGS) == "No article that covers this question gives a figure for “deep”."


def test_the_gate_abstains_when_a_name_is_missing(index):
    question = "How deep is the Reigate sinkhole?"
    evidence = weigh_evidence(question, [passage("sinkhole"), passage("update")], index, GATE)
    assert evidence.missing_names == ("Reigate",)
    assert evidence.reason(SETTINGS) == "No article found mentions “Reigate”."


def test_a_name_counts_when_the_passages_article_has_it(index):
    # "Tuesday" is in the sinkhole article, not in the retrieved passage of it.
    moved = hit("sinkhole#0", "Residents were moved out.", "Sinkhole swallows Godstone road", date(2024, 1, 9))
    question = "How deep was the sinkhole by Tuesday?"
    assert missing_names(question, [moved]) == ("Tuesday",)
    assert missing_names(question, [moved], index) == ()
    assert missing_names("How deep was the sinkhole by Friday?", [moved], index) == ("Friday",)
    # One article must hold them all: "Kent" in the shaft article and "Tuesday" in the sinkhole one do not.
    shaft = hit("shaft#0", "Miners found a shaft.", "Mine shaft found", date(2024, 1, 10))
    assert missing_names("Did the Kent shaft open on Tuesday?", [moved, shaft], index) == ("Kent", "Tuesday")


def test_the_gate_abstains_when_the_passages_cover_too_little(index):
    evidence = weigh_evidence(QUESTION, [passage("update")], index, StubScorer(covered=0.4))
    assert evidence.reason(SETTINGS) == "The closest passages match too little of the question."


def test_the_gate_without_passages_has_no_evidence(index):
    evidence = weigh_evidence(QUESTION, [], index, GATE)
    assert evidence == Evidence(0.0, 0.0, 0.0) and not evidence.sufficient(SETTINGS)


def test_the_focus_of_a_follow_up_comes_from_the_users_own_words(index):
    rewritten = "What is the depth of the Godstone sinkhole?"
    hits = [passage("update")]
    assert weigh_evidence(rewritten, hits, index, GATE).focus == Focus("depth")
    assert weigh_evidence(rewritten, hits, index, GATE, asked="How deep is it?").focus == DEEP
    # A follow-up joined to its anchor asks what its own last question asks.
    joined = "Where is the Godstone sinkhole? How deep is it?"
    assert weigh_evidence(joined, hits, index, GATE).focus == DEEP
