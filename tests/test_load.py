"""Loading every supported format, ids, and bad files reported without stopping the rest."""
import json

from conftest import write

from rag.ingest.load import load_documents

BODY = "Microsoft dropped Twitter from its advertising tool after Twitter began charging for data access."


def test_each_format_loads_with_ids_and_metadata(tmp_path):
    write(tmp_path, "world/plain.txt", f"Title line\n\n{BODY}\n")
    write(tmp_path, "world/notes.md", f"---\ntitle: A markdown story\nsource: MD Times\npublished: 2025-02-01\n---\n{BODY}\n")
    write(tmp_path, "page.html", f"<html><head><title>Page</title></head><body><article><p>{BODY}</p></article></body></html>")
    write(tmp_path, "one.json", json.dumps({"id": "j-1", "title": "One", "text": BODY, "source": "JSON Wire"}))
    write(tmp_path, "list.json", json.dumps([{"title": "L1", "body": BODY}, {"title": "L2", "content": BODY + " Two."}]))
    write(tmp_path, "feed.jsonl", json.dumps({"id": "f-1", "title": "F", "text": BODY, "published_at": "2025-02-03"}) + "\n")
    write(tmp_path, "sheet.csv", 'id,title,source,date,text\nc-1,"A, quoted title",CSV Post,2025-02-04,"Line one, with comma.\nLine two."\n')

    documents, problems = load_documents([tmp_path])

    assert problems == []
    ids = {d.id for d in documents}
    assert {"world/plain", "world/notes", "page", "j-1", "f-1", "c-1"} <= ids
    assert len(documents) == 8
    csv_doc = next(d for d in documents if d.id == "c-1")
    assert csv_doc.meta["title"] == "A, quoted title" and csv_doc.meta["published"] == "2025-02-04"
    assert csv_doc.body == "Line one, with comma.\nLine two."
    feed = next(d for d in documents if d.id == "f-1")
    assert feed.meta["published"] == "2025-02-03"


def test_records_without_id_get_a_stable_content_id(tmp_path):
    write(tmp_path, "list.json", json.dumps([{"title": "L1", "body": BODY}]))
    first, _ = load_documents([tmp_path])
    again, _ = load_documents([tmp_path])
    assert first[0].id == again[0].id and len(first[0].id) == 16
    write(tmp_path, "list.json", json.dumps([{"title": "L1", "body": BODY + " Changed."}]))
    changed, _ = load_documents([tmp_path])
    assert changed[0].id != first[0].id


def test_multihop_rag_corpus_shape_loads(tmp_path):
    corpus = [{"title": "Story", "author": "A. Writer", "source": "Wire", "published_at": "2023-09-26T14:00:00+00:00",
               "category": "technology", "url": "https://example.com/story", "body": BODY}]
    write(tmp_path, "corpus.json", json.dumps(corpus))
    (document,), problems = load_documents([tmp_path / "corpus.json"])
    assert problems == []
    assert document.meta == {"title": "Story", "source": "Wire", "published": "2023-09-26T14:00:00+00:00",
                             "url": "https://example.com/story", "author": "A. Writer", "category": "technology"}


def test_bad_files_are_reported_and_the_rest_loads(tmp_path):
    write(tmp_path, "good.txt", f"Good\n\n{BODY}")
    write(tmp_path, "empty.txt", "   \n")
    write(tmp_path, "binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR")
    write(tmp_path, "latin1.txt", "Caf\xe9 story".encode("latin-1"))
    write(tmp_path, "broken.json", '{"title": "x", "text": ')
    write(tmp_path, "lines.jsonl", json.dumps({"id": "ok", "text": BODY}) + "\n{not json}\n" + json.dumps({"id": "no-text"}) + "\n")
    write(tmp_path, "image.png", b"\x89PNG")

    documents, problems = load_documents([tmp_path])

    assert sorted(d.id for d in documents) == ["good", "latin1", "ok"]
    assert next(d.body for d in documents if d.id == "latin1") == "Café story"
    reasons = {p.path.rsplit("/", 1)[-1]: p.reason for p in problems}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["binary.txt"] == "binary file, not text"
    assert reasons["latin1.txt"].startswith("not UTF-8: read as")  # decoded, and said so
    assert reasons["broken.json"].startswith("malformed JSON")
    assert reasons["lines.jsonl (line 2)"].startswith("malformed JSON")
    assert "no text" in reasons["lines.jsonl (line 3)"]
    assert "unsupported file type" in reasons["image.png"]
