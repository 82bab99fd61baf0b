"""The evaluation measures on small cases worked out by hand, and reading both question-set formats."""
import json
import re

import pytest

from rag.errors import InputError
from rag.evaluate import SUMMARY_KEYS, Record, load_questions, summarise
from rag.evaluate.metrics import (
    contains_answer,
    exact_match,
    facts_found,
    first_rank,
    hit_at,
    normalize_answer,
    percentile,
    reciprocal_rank,
    token_f1,
)
from rag.evaluate.run import CitationRecord

ISSUE_SUMMARY_KEYS = [
    "questions", "hits@1", "hits@4", "hits@5", "hits@10", "mrr@10", "fact_hits@10", "answer_em", "answer_f1",
    "answer_contains", "abstain_precision", "abstain_recall", "citation_precision", "citation_support",
    "latency_p50_ms", "latency_p95_ms",
]


def test_answers_are_normalised_as_in_squad():
    assert normalize_answer("The  U.S. Senate, an Upper-House!") == "us senate upperhouse"
    assert exact_match("the Basic tier.", ["Basic", "Basic tier"]) == 1.0
    assert exact_match("Basic tier costs $100", ["Basic tier"]) == 0.0


def test_token_f1_takes_the_best_gold_answer():
    # prediction tokens: basic plan costs 100; gold: basic tier -> 1 in common, P = 1/4, R = 1/2
    assert token_f1("The basic plan costs 100", ["Basic tier"]) == pytest.approx(1 / 3)
    assert token_f1("The basic plan costs 100", ["nothing alike", "basic"]) == pytest.approx(2 * 0.25 / 1.25)
    assert token_f1("", ["Basic tier"]) == 0.0


def test_contains_matches_whole_words_of_a_gold_answer():
    assert contains_answer("Twitter's Basic tier costs $100.", ["basic tier"]) == 1.0
    assert contains_answer("No, the deal did not close.", ["No"]) == 1.0
    assert contains_answer("It is not known.", ["No"]) == 0.0
    assert contains_answer("Prices rose to $100m", ["$100"]) == 0.0


def test_ranks_hits_and_reciprocal_rank():
    ranked = ["a", "b", "c", "d"]
    assert first_rank(ranked, {"c", "x"}) == 3
    assert first_rank(ranked, {"x"}) is None
    assert [hit_at(3, n) for n in (1, 4, 5, 10)] == [0.0, 1.0, 1.0, 1.0]
    assert hit_at(None, 10) == 0.0
    assert reciprocal_rank(3) == pytest.approx(1 / 3)
    assert reciprocal_rank(11, 10) == 0.0
    assert reciprocal_rank(None) == 0.0


def test_facts_are_found_ignoring_whitespace():
    passages = ["Grok  3 was\nreleased in February, xAI said.", "Another passage."]
    assert facts_found(["Grok 3 was released", "xAI said", "Grok 4"], passages) == [True, True, False]


def test_percentiles_interpolate_between_ranks():
    assert percentile([40, 10, 30, 20], 50) == 25
    assert percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)  # 3 * 0.95 = 2.85 -> 30 + 0.85 * 10
    assert percentile([], 50) is None


def _record(id, *, answerable=True, abstained=False, citations=(), latency_ms=100.0, scores=None) -> Record:
    keys = ["hits@1", "hits@4", "hits@5", "hits@10", "mrr@10", "evidence_recall@10", "fact_hits@10",
            "fact_recall@10", "answer_em", "answer_f1", "answer_contains", "citation_precision", "citation_support"]
    return Record(id=id, question=f"question {id}", type="t", answerable=answerable, as_of=None, gold_answers=[],
                  evidence_articles=[], evidence_unmatched=0, retrieved=[], hit_ranks=[], facts_found=[],
                  answer="", abstained=abstained, citations=list(citations), latency_ms=latency_ms,
                  scores={key: (scores or {}).get(key) for key in keys})


def _citation(verified: bool, from_evidence: bool | None) -> CitationRecord:
    return CitationRecord(n=1, article_id="a", chunk_id="a#0", quote="q", verified=verified,
                          from_evidence=from_evidence)


def test_summary_of_hand_made_records():
    hit = {"hits@1": 1.0, "hits@4": 1.0, "hits@5": 1.0, "hits@10": 1.0, "mrr@10": 1.0}
    miss = {"hits@1": 0.0, "hits@4": 0.0, "hits@5": 0.0, "hits@10": 0.0, "mrr@10": 0.0}
    records = [
        # answered correctly, one citation from the evidence and verified, one from elsewhere and unverified
        _record("1", citations=[_citation(True, True), _citation(False, False)], latency_ms=100,
                scores={**hit, "answer_em": 1.0, "answer_f1": 1.0, "answer_contains": 1.0}),
        # retrieval missed and it abstained: the answer scores 0
        _record("2", abstained=True, latency_ms=300,
                scores={**miss, "answer_em": 0.0, "answer_f1": 0.0, "answer_contains": 0.0}),
        _record("3", answerable=False, abstained=True, latency_ms=200),
        # unanswerable but answered, citing a verified passage (no evidence to judge precision by)
        _record("4", answerable=False, citations=[_citation(True, None)], latency_ms=400),
    ]
    summary = summarise(records)
    assert list(summary) == ISSUE_SUMMARY_KEYS == list(SUMMARY_KEYS)
    assert summary["questions"] == 4
    assert summary["hits@1"] == summary["hits@10"] == summary["mrr@10"] == 0.5
    assert summary["fact_hits@10"] is None
    assert summary["answer_em"] == summary["answer_contains"] == 0.5
    assert summary["abstain_precision"] == 0.5  # of 2 abstentions, 1 was on an unanswerable question
    assert summary["abstain_recall"] == 0.5  # of 2 unanswerable questions, 1 was abstained on
    assert summary["citation_precision"] == 0.5  # 2 citations on questions with evidence, 1 from it
    assert summary["citation_support"] == pytest.approx(2 / 3)  # 3 citations, 2 verified
    assert summary["latency_p50_ms"] == 250
    assert summary["latency_p95_ms"] == pytest.approx(385)


def test_summary_of_a_set_with_nothing_to_measure_is_null():
    summary = summarise([_record("1", latency_ms=50)])
    assert summary["questions"] == 1
    assert summary["latency_p50_ms"] == 50
    assert all(summary[key] is None for key in ISSUE_SUMMARY_KEYS if key not in {"questions", "latency_p50_ms",
                                                                                "latency_p95_ms"})


def test_json_lines_questions_load(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text(
        json.dumps({"id": "t-1", "question": "What's the $100 plan called?", "answer": ["Basic", "Basic tier"],
                    "answerable": True, "evidence": [{"doc_id": "tech/api"}, {"url": "https://x.test/a"}],
                    "type": "fact", "as_of": "2025-02-28"}) + "\n\n"
        + json.dumps({"question": "Who won the 2024 final?", "answer": "Insufficient information"}) + "\n"
        + json.dumps({"question": "What happened?", "answerable": False}) + "\n"
    )
    first, second, third = load_questions(path)
    assert (first.id, first.type, first.answers, first.answerable) == ("t-1", "fact", ("Basic", "Basic tier"), True)
    assert first.as_of.isoformat() == "2025-02-28"
    assert [(e.doc_id, e.url) for e in first.evidence] == [("tech/api", ""), ("", "https://x.test/a")]
    assert (second.id, second.answerable, second.answers) == ("2", False, ("Insufficient information",))
    assert third.answerable is False


def test_multihop_rag_query_list_loads_as_it_is(tmp_path):
    path = tmp_path / "MultiHopRAG.json"
    path.write_text(json.dumps([
        {"query": "Did both outlets report the merger before March?", "answer": "Yes",
         "question_type": "comparison_query",
         "evidence_list": [{"title": "Merger agreed", "author": "A. Writer", "url": "https://n.test/merger",
                            "source": "The Test", "category": "business", "published_at": "2023-10-01T09:00:00+00:00",
                            "fact": "The two firms agreed to merge."}]},
        {"query": "What is the capital of Mars?", "answer": "Insufficient information.",
         "question_type": "null_query", "evidence_list": []},
    ], indent=2))
    merger, null = load_questions(path)
    assert (merger.question, merger.answers, merger.type, merger.answerable) == (
        "Did both outlets report the merger before March?", ("Yes",), "comparison_query", True)
    assert merger.evidence[0].url == "https://n.test/merger"
    assert merger.evidence[0].fact == "The two firms agreed to merge."
    assert (null.id, null.type, null.answerable, null.evidence) == ("2", "null_query", False, ())


@pytest.mark.parametrize("content, message", [
    ('{"question": "ok?"}\n{"question": "broken"\n', "set.jsonl line 2: malformed JSON"),
    ('{"answer": "no question"}\n', "set.jsonl line 1: no 'question' (or 'query') text"),
    ('{"question": "when?", "as_of": "last week"}\n', "set.jsonl line 1: as_of 'last week' is not a date"),
    ('{"question": "q", "evidence": "tech/api"}\n', "set.jsonl line 1: 'evidence' must be a list"),
    ('{"question": "q", "evidence": [{"fact": "x"}]}\n', "set.jsonl line 1: an evidence entry names no"),
    ('[{"question": "q"},\n 7]', "set.jsonl item 2: expected a JSON object"),
    ('[{"question": "q"},\n', "set.jsonl line 2: malformed JSON"),
    ("\n", "set.jsonl: no questions"),
])
def test_bad_question_sets_name_the_file_and_line(tmp_path, content, message):
    path = tmp_path / "set.jsonl"
    path.write_text(content)
    with pytest.raises(InputError, match=re.escape(message)):
        load_questions(path)


def test_missing_question_file(tmp_path):
    with pytest.raises(InputError, match="nope.jsonl: no such file"):
        load_questions(tmp_path / "nope.jsonl")
