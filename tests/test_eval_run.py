"""`rag eval` end to end on a small real index: the report's numbers match its per-question records."""
import json
import sys
from dataclasses import replace

import pytest

from rag.cli import main
from rag.desk import Newsdesk
from rag.evaluate import evaluate, load_questions
from rag.evaluate.metrics import mean, percentile
from rag.index.store import open_index
from rag.ingest.build import build_index

HARBOUR = {
    "title": "Harbour council approves tidal barrier to protect the old town",
    "author": "Jane Rowe", "source": "Coast Gazette", "category": "local",
    "published_at": "2024-03-04T08:00:00+00:00", "url": "https://coast.test/harbour-barrier",
    "body": "Porthaven harbour council voted on Monday to build a tidal barrier across the mouth of the "
            "harbour, after three winters of flooding in the old town. The barrier will cost 14 million "
            "pounds and is due to be finished in 2027. Councillor Mary Tregothnan said the vote ended years "
            "of argument about how to keep the sea out of the streets around the fish market. Shop owners "
            "on Quay Street, who lost stock in the floods of January, welcomed the decision.",
}
CIDER = {
    "title": "Orchard growers report a record cider apple harvest",
    "author": "Tom Ashby", "source": "Farm Weekly", "category": "business",
    "published_at": "2024-10-12T08:00:00+00:00", "url": "https://farm.test/cider-harvest",
    "body": "Cider apple growers in Somerset picked 12,000 tonnes of fruit this autumn, the largest harvest "
            "the county's growers association has recorded. A warm spring and a wet summer produced heavy "
            "crops of Dabinett and Kingston Black apples. The association's chair, Rachel Hembury, said "
            "mills were running night shifts to press the fruit before it spoiled.",
}
LIBRARY = {
    "title": "City library extends opening hours after survey",
    "author": "Sam Patel", "source": "City Post", "category": "culture",
    "published_at": "2024-06-20T08:00:00+00:00", "url": "https://city.test/library-hours",
    "body": "The central city library will stay open until 9pm on weekdays from July, after a survey of "
            "4,000 readers found that most could not visit during working hours. The library will also "
            "open on Sunday afternoons. Head librarian Owen Price said the longer hours would be paid for "
            "by moving two staff from the closed mobile library service.",
}
# A syndicated copy of the harbour story: indexed once, under the first copy read (corpus.json).
WIRE_COPY = {"id": "wire-harbour", **{k: HARBOUR[k] for k in ("title", "body", "published_at")},
             "url": "https://wire.test/harbour"}

QUESTIONS = [
    {"id": "q-harbour", "question": "What did Porthaven harbour council vote to build?",
     "answer": ["a tidal barrier", "tidal barrier"], "evidence": [{"doc_id": "wire-harbour"}], "type": "fact",
     "as_of": "2024-03-08"},
    {"id": "q-cider", "question": "How many tonnes of cider apples did Somerset growers pick this autumn?",
     "answer": "12,000 tonnes", "evidence": [{"url": "https://farm.test/cider-harvest/"}], "type": "figure"},
    {"id": "q-library", "question": "Until what time will the central city library stay open on weekdays?",
     "answer": ["9pm"], "evidence": [{"title": "  city LIBRARY extends opening   hours after survey"}],
     "type": "fact"},
    {"id": "q-none", "question": "Who won the 2022 World Cup final in Qatar?", "answerable": False,
     "type": "unanswerable"},
]
MULTIHOP_QUERIES = [
    {"query": "How much will the tidal barrier that Porthaven harbour council approved cost?",
     "answer": "14 million pounds", "question_type": "inference_query",
     "evidence_list": [{k: HARBOUR[k] for k in ("title", "author", "url", "source", "category", "published_at")}
                       | {"fact": "The barrier will cost 14 million\n  pounds and is due to be finished in 2027."}]},
    {"query": "What colour is the moon rover that landed last year?", "answer": "Insufficient information.",
     "question_type": "null_query", "evidence_list": []},
]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    articles = tmp_path_factory.mktemp("articles")
    (articles / "corpus.json").write_text(json.dumps([HARBOUR, CIDER, LIBRARY]))
    (articles / "wire.jsonl").write_text(json.dumps(WIRE_COPY) + "\n")
    folder = tmp_path_factory.mktemp("index")
    report = build_index([articles], folder)
    assert [d.article_id for d in report.duplicates] == ["wire-harbour"]
    return folder


@pytest.fixture(scope="module")
def question_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("questions")
    (folder / "set.jsonl").write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS))
    (folder / "MultiHopRAG.json").write_text(json.dumps(MULTIHOP_QUERIES, indent=2))
    return folder


def _rag(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["rag", *map(str, args)])
    try:
        main()
        code = 0
    except SystemExit as exit:
        code = exit.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def reports(index_dir, question_files, tmp_path_factory):
    """Both question sets run through `rag eval --out`; the JSON reports as loaded."""
    out = tmp_path_factory.mktemp("reports")
    monkeypatch = pytest.MonkeyPatch()
    try:
        for name, questions in (("a", "set.jsonl"), ("b", "MultiHopRAG.json")):
            monkeypatch.setattr(sys, "argv", ["rag", "eval", str(question_files / questions), "--index",
                                              str(index_dir), "--out", str(out / f"{name}.json")])
            main()
    finally:
        monkeypatch.undo()
    return out, {name: json.loads((out / f"{name}.json").read_text()) for name in ("a", "b")}


def _recomputed(records: list[dict]) -> dict:
    """The summary worked out again from the per-question records alone."""
    abstained = [r for r in records if r["abstained"]]
    unanswerable = [r for r in records if not r["answerable"]]
    citations = [c for r in records for c in r["citations"]]
    judged = [c for c in citations if c["from_evidence"] is not None]
    latencies = [r["latency_ms"] for r in records]
    summary = {"questions": len(records)}
    for key in ("hits@1", "hits@4", "hits@5", "hits@10", "mrr@10", "fact_hits@10", "answer_em", "answer_f1",
                "answer_contains"):
        summary[key] = mean([r["scores"][key] for r in records])
    summary["abstain_precision"] = sum(not r["answerable"] for r in abstained) / len(abstained) if abstained else None
    summary["abstain_recall"] = sum(r["abstained"] for r in unanswerable) / len(unanswerable) if unanswerable else None
    summary["citation_precision"] = sum(c["from_evidence"] for c in judged) / len(judged) if judged else None
    summary["citation_support"] = sum(c["verified"] for c in citations) / len(citations) if citations else None
    summary["latency_p50_ms"] = percentile(latencies, 50)
    summary["latency_p95_ms"] = percentile(latencies, 95)
    return summary


def test_report_numbers_match_the_per_question_records(reports):
    _, runs = reports
    for run in runs.values():
        assert list(run["summary"]) == list(_recomputed(run["records"]))
        assert run["summary"] == pytest.approx(_recomputed(run["records"]))
        for kind, summary in run["by_type"].items():
            assert summary == pytest.approx(_recomputed([r for r in run["records"] if r["type"] == kind]))
        for record in run["records"]:
            first = record["hit_ranks"][0] if record["hit_ranks"] else None
            if record["scores"]["hits@1"] is not None:
                assert record["scores"]["hits@1"] == float(first == 1)
                assert record["scores"]["mrr@10"] == pytest.approx(1 / first if first else 0.0)
            assert len(record["retrieved"]) == len(set(record["retrieved"])) <= 10


def test_evidence_is_matched_by_id_url_and_title(reports, index_dir):
    _, runs = reports
    kept = open_index(index_dir).kept_copy("wire-harbour")
    assert kept != "wire-harbour"  # the duplicate's evidence counts through the copy that was kept
    records = {r["id"]: r for r in runs["a"]["records"]}
    assert records["q-harbour"]["evidence_articles"] == [kept]
    assert records["q-harbour"]["as_of"] == "2024-03-08"
    for qid in ("q-harbour", "q-cider", "q-library"):
        assert records[qid]["evidence_unmatched"] == 0
        assert records[qid]["scores"]["hits@10"] == 1.0  # a three-article index: every article is in the top 10
        assert records[qid]["scores"]["evidence_recall@10"] == 1.0
    assert records["q-none"]["scores"]["hits@1"] is None
    assert runs["a"]["summary"]["abstain_recall"] in (0.0, 1.0)
    assert set(runs["a"]["by_type"]) == {"fact", "figure", "unanswerable"}


def test_multihop_facts_are_found_in_the_retrieved_passages(reports):
    _, runs = reports
    inference, null = runs["b"]["records"]
    assert inference["facts_found"] == [True]  # found despite the changed line breaks and spaces
    assert inference["scores"]["fact_hits@10"] == 1.0
    assert inference["evidence_unmatched"] == 0  # matched by url
    assert null["answerable"] is False and null["type"] == "null_query"
    assert runs["b"]["summary"]["fact_hits@10"] == 1.0


def test_markdown_report_and_chart_sit_beside_the_json(reports):
    out, runs = reports
    markdown = (out / "a.md").read_text()
    assert "![" in markdown and "(a.svg)" in markdown
    assert "| hits@10 | 1.000 |" in markdown
    assert "| q-library |" in markdown
    chart = (out / "a.svg").read_text()
    assert chart.startswith("<svg") and chart.count("<rect") > 5
    assert all(f">{kind}</text>" in chart for kind in ("overall", *runs["a"]["by_type"]))


def test_compare_shows_each_metric_and_its_change(reports, monkeypatch, capsys):
    out, runs = reports
    code, printed, _ = _rag(monkeypatch, capsys, "eval", "--compare", out / "a.json", out / "b.json")
    assert code == 0
    rows = {line.split()[0]: line.split()[1:] for line in printed.splitlines()[1:]}
    assert list(rows) == list(runs["a"]["summary"])
    assert rows["questions"] == ["4", "2", "-2"]
    assert rows["fact_hits@10"] == ["-", "1.000", "-"]


def test_runs_are_deterministic(index_dir, question_files):
    desk = Newsdesk(index_dir)
    questions = load_questions(question_files / "set.jsonl")
    first, second = (evaluate(questions, desk, k=3) for _ in range(2))
    assert [replace(r, latency_ms=0.0) for r in first.records] == [replace(r, latency_ms=0.0) for r in second.records]
    assert {k: v for k, v in first.summary.items() if "latency" not in k} == \
        {k: v for k, v in second.summary.items() if "latency" not in k}


@pytest.mark.parametrize("args, message", [
    (["eval", "{tmp}/missing.jsonl"], "missing.jsonl: no such file"),
    (["eval", "{tmp}/bad.jsonl"], "bad.jsonl line 2: malformed JSON"),
    (["eval", "--compare", "{tmp}/bad.jsonl", "{tmp}/bad.jsonl"], "bad.jsonl: not a JSON report"),
    (["eval"], "give a question set"),
])
def test_bad_input_gives_one_line_naming_the_file(tmp_path, monkeypatch, capsys, args, message):
    (tmp_path / "bad.jsonl").write_text('{"question": "fine?"}\n{"question": \n')
    code, _, err = _rag(monkeypatch, capsys, *(a.format(tmp=tmp_path) for a in args))
    assert code == 3
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
