"""`rag serve`: one resident process that holds an index, the model and the backends, and answers over HTTP.

A cold `rag ask` imports torch and loads the model before its first answer (seconds of CPU); through a
running server a question is one local HTTP request. While it runs the server names itself in
``<index>/serve.json``; `rag ask` reads that file, checks that ``GET /health`` answers for the same index,
and posts the question. When no server answers, `rag ask` answers in its own process.

    GET  /health  {"status": "ok", "index": "/abs/path/index", "precision": "bf16", "pid": 1234}
    POST /ask     {"question": "...", "k": 5, "sources": [], "since": "YYYY-MM-DD", "until": null,
                   "as_of": null, "backend": null}  ->  the answer as `rag ask --json` prints it

Everything the server needs is imported inside ``serve``: the client half costs `rag ask` nothing.
"""
from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

from .config import ServeSettings

SERVE_FILE = "serve.json"
ASK_OPTIONS = ("k", "sources", "since", "until", "as_of", "backend")


def serve(index_dir: Path, settings: ServeSettings = ServeSettings(), precision: str | None = None,
          ready=None) -> None:
    """Answer questions over ``index_dir`` until interrupted; ``ready(url)`` once it accepts requests."""
    import uvicorn

    from .desk import Newsdesk

    desk = Newsdesk(index_dir, precision=precision)
    desk.embedder.embed_one("warm up")  # load the model now, not during the first question
    index = Path(index_dir).resolve()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((settings.host, settings.port))  # port 0: a free one
        # Listening before the app says it is ready: connections wait in the backlog instead of being refused.
        sock.listen(128)
        url = f"http://{settings.host}:{sock.getsockname()[1]}"
        app = _app(desk, index, url, ready)
        uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])


def _app(desk, index: Path, url: str, ready):
    from contextlib import asynccontextmanager

    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from .answer_format import answer_to_dict
    from .errors import NewsdeskError

    def health(request):
        return JSONResponse({"status": "ok", "index": str(index), "precision": desk.index.precision,
                             "pid": os.getpid()})

    async def ask(request):
        try:
            body = await request.json()
            question = body["question"]
            options = {key: body[key] for key in ASK_OPTIONS if body.get(key) is not None}
            for key in ("since", "until", "as_of"):
                if key in options:
                    options[key] = date.fromisoformat(options[key])
            if not isinstance(question, str) or not question.strip():
                raise ValueError("question must be a non-empty string")
        except (ValueError, KeyError, TypeError) as err:
            return JSONResponse({"error": f"bad request: {err}"}, status_code=400)
        try:
            answer = await run_in_threadpool(desk.ask, question, **options)
        except NewsdeskError as err:
            return JSONResponse({"error": str(err), "exit_code": err.exit_code}, status_code=422)
        return JSONResponse(answer_to_dict(answer))

    @asynccontextmanager
    async def lifespan(app):
        marker = index / SERVE_FILE
        marker.write_text(json.dumps({"url": url, "pid": os.getpid(), "index": str(index)}))
        if ready:
            ready(url)
        try:
            yield
        finally:
            # Only our own: a second server on the same index may have named itself since.
            if _read(marker).get("pid") == os.getpid():
                marker.unlink(missing_ok=True)

    return Starlette(routes=[Route("/health", health), Route("/ask", ask, methods=["POST"])], lifespan=lifespan)


def running_server(index_dir: Path, settings: ServeSettings = ServeSettings()) -> dict | None:
    """The health of the server answering for ``index_dir`` (with its ``url``), or None when none answers."""
    index = Path(index_dir).resolve()
    url = _read(index / SERVE_FILE).get("url")
    if not url:
        return None
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=settings.health_timeout) as response:
            health = json.load(response)
    except (OSError, ValueError):
        return None
    return {**health, "url": url} if health.get("index") == str(index) else None


def ask_server(url: str, question: str, settings: ServeSettings = ServeSettings(), **options) -> dict | None:
    """The answer of the server at ``url`` as plain data, or None when it gave none (ask in-process then)."""
    body = {"question": question, **{k: v.isoformat() if isinstance(v, date) else v
                                     for k, v in options.items() if k in ASK_OPTIONS}}
    request = urllib.request.Request(f"{url}/ask", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=settings.ask_timeout) as response:
            return json.load(response)
    except (OSError, ValueError):  # gone, or an error the in-process answer will report properly
        return None


def _read(marker: Path) -> dict:
    try:
        return json.loads(marker.read_text())
    except (OSError, ValueError):
        return {}
