"""The chat in a real browser: `streamlit run app.py` on a free port, driven by headless Chromium."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, write
from test_app import MARKUP_ARTICLE, SEED_TITLE

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ASK = "Ask about the news…"


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium (installed by .ci/browser-deps when missing; never `playwright install`)."""
    if not CHROMIUM.exists():
        done = subprocess.run(["bash", str(ROOT / ".ci" / "browser-deps")], capture_output=True, text=True)
        if not CHROMIUM.exists():
            pytest.skip(f"chromium could not be installed: {(done.stderr or done.stdout).strip()[-300:]}")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def serve(index_dir: Path, log: Path):
    """Start the app on a free port; return (process, url) once /_stcore/health answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, RAG_INDEX_DIR=str(index_dir))
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return process, url
        except OSError:
            time.sleep(0.5)
    stop(process)
    raise RuntimeError(f"streamlit did not answer on {url}:\n{log.read_text()[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def sample_server(sample_index_dir, tmp_path_factory):
    process, url = serve(sample_index_dir, tmp_path_factory.mktemp("server") / "streamlit.log")
    yield url
    stop(process)


@pytest.fixture(scope="module")
def markup_server(tmp_path_factory):
    from rag.ingest.build import build_index

    root = tmp_path_factory.mktemp("markup")
    write(root / "articles", "ferry.md", MARKUP_ARTICLE)
    build_index([root / "articles"], root / "index")
    process, url = serve(root / "index", root / "streamlit.log")
    yield url
    stop(process)


def ask(page, url: str, question: str) -> None:
    page.goto(url)
    page.get_by_text("Passages to read (k)").wait_for(timeout=120_000)  # the app has loaded the index
    box = page.get_by_placeholder(ASK)
    box.fill(question)
    box.press("Enter")
    page.locator(".nd-source-head").first.wait_for(timeout=120_000)
    # The script may still be drawing the rest of the page; a click before it is done can be undone.
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=120_000)
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")


def test_seed_question_in_the_browser(browser, sample_server, tmp_path):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    ask(page, sample_server, "Why did Microsoft drop Twitter?")
    seed = page.locator(".nd-source-head", has_text=SEED_TITLE).first
    expect(seed).to_be_visible()
    expect(page.locator("mark.nd-quote").first).to_be_visible()
    marker = page.locator(f'a.nd-cite[title="{SEED_TITLE}"]').first
    expect(marker).to_be_visible()
    page.locator(".nd-question").first.scroll_into_view_if_needed()
    shot = tmp_path / "answer.png"
    page.screenshot(path=str(shot))
    anchor = marker.get_attribute("href")
    marker.click()  # the [n] marker leads to its source
    expect(page).to_have_url(re.compile(f"{anchor}$"))
    # Where the jump landed, read at once: Streamlit's chat view sometimes scrolls back to the bottom a
    # moment later on a late resize (about 1 run in 10), which is Streamlit's behaviour, not the link's.
    landed = page.locator(anchor).evaluate("e => { const r = e.getBoundingClientRect(); "
                                           "return r.bottom > 0 && r.top < window.innerHeight; }")
    assert landed, "the source is not in view after its [n] marker was clicked"
    page.screenshot(path=str(tmp_path / "source.png"))
    assert shot.stat().st_size > 10_000
    page.close()


def test_article_markup_shows_as_text_in_the_browser(browser, markup_server, tmp_path):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    ask(page, markup_server, "What did the harbour council approve?")
    page.get_by_text("Read the whole article").first.click()
    article = page.locator(".nd-article").first
    expect(article).to_contain_text("read <script>alert(1)</script> before")
    expect(article).to_contain_text("the <b>bold</b> change")
    expect(article).to_contain_text("from $5 to $10 and the timetable costs the council an extra *40,000* pounds")
    assert page.locator(".nd-article script, .nd-article b, .katex").count() == 0
    page.screenshot(path=str(tmp_path / "markup.png"))
    assert dialogs == []
    page.close()
