"""The ``openai`` backend: any OpenAI-compatible chat-completions server, over plain HTTP (httpx).

Works with Ollama, vLLM, llama.cpp's server (``python -m llama_cpp.server``), LM Studio and OpenAI.
Answers stream as server-sent events, parsed here; no vendor SDK is needed.

Settings: ``rag.config.OpenAISettings``, each unset value falling back to the environment:

- ``base_url``: the API root, with its ``/v1`` (``RAG_OPENAI_BASE_URL``, else ``OPENAI_BASE_URL``),
  e.g. ``http://127.0.0.1:11434/v1`` for Ollama. Required: articles are never sent anywhere unasked.
- ``model``: the model name (``RAG_OPENAI_MODEL``); when unset, the server's only model.
- ``api_key``: sent as a bearer token (``RAG_OPENAI_API_KEY``, else ``OPENAI_API_KEY``).
- ``timeout``, ``retries``, ``stream``: see ``OpenAISettings``; ``LLMSettings`` for both generative backends.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import httpx

from ..config import OpenAISettings
from ..errors import BackendUnavailableError
from .base import BackendContext
from .chat import ChatBackend

CONNECT_TIMEOUT = 5.0
RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_BACKOFF = 10.0


@dataclass(frozen=True)
class ServerSettings:
    base_url: str
    model: str | None
    api_key: str | None
    timeout: float
    retries: int
    stream: bool

    @classmethod
    def from_settings(cls, settings: OpenAISettings) -> ServerSettings:
        """Settings first, then the environment; a clear error when no server is named."""
        base_url = _first(settings.base_url, "RAG_OPENAI_BASE_URL", "OPENAI_BASE_URL")
        if not base_url:
            raise BackendUnavailableError(
                "openai backend: no server set; set RAG_OPENAI_BASE_URL "
                "(e.g. http://127.0.0.1:11434/v1 for Ollama, https://api.openai.com/v1 for OpenAI)"
            )
        return cls(
            base_url=base_url.rstrip("/"),
            model=_first(settings.model, "RAG_OPENAI_MODEL"),
            api_key=_first(settings.api_key, "RAG_OPENAI_API_KEY", "OPENAI_API_KEY"),
            timeout=settings.timeout, retries=settings.retries, stream=settings.stream,
        )


class OpenAIBackend(ChatBackend):
    name = "openai"
    description = "An OpenAI-compatible chat server (Ollama, vLLM, llama.cpp server, LM Studio, OpenAI)."

    def __init__(self, context: BackendContext):
        super().__init__(context)
        self.settings = ServerSettings.from_settings(context.settings.openai)
        headers = {"Authorization": f"Bearer {self.settings.api_key}"} if self.settings.api_key else {}
        self._client = httpx.Client(base_url=self.settings.base_url, headers=headers,
                                    timeout=httpx.Timeout(self.settings.timeout, connect=CONNECT_TIMEOUT))
        self._model = self.settings.model

    @property
    def model(self) -> str:
        """The model named in the settings, else the one model the server lists."""
        if self._model is None:
            response = self._request("GET", "/models")
            names = [m.get("id") for m in _json(response, self._url("/models")).get("data", []) if m.get("id")]
            if len(names) != 1:
                offered = ", ".join(names[:10]) or "none"
                raise BackendUnavailableError(f"openai backend: set RAG_OPENAI_MODEL (server offers: {offered})")
            self._model = names[0]
        return self._model

    def chat(self, messages: list[dict[str, str]], *, max_tokens: int, stream: bool) -> Iterator[str]:
        stream = stream and self.settings.stream
        body = {"model": self.model, "messages": messages, "max_tokens": max_tokens,
                "temperature": self.temperature, "stream": stream}
        response = self._request("POST", "/chat/completions", body=body, stream=stream)
        if not stream:
            yield _message(_json(response, self._url("/chat/completions")))
            return
        try:
            for event in _sse_data(response.iter_lines()):
                if event.strip() == "[DONE]":
                    break
                piece = _delta(json.loads(event))
                if piece:
                    yield piece
        except (httpx.TransportError, json.JSONDecodeError) as err:
            raise BackendUnavailableError(f"openai backend: the stream from {self.settings.base_url} broke off "
                                          f"({type(err).__name__}: {err})") from None
        finally:
            response.close()

    def _request(self, method: str, path: str, *, body: dict | None = None, stream: bool = False) -> httpx.Response:
        """Send with retries on connection failures and 429/5xx; a failed request becomes one clear error."""
        url = self._url(path)
        for attempt in range(self.settings.retries + 1):
            last = attempt == self.settings.retries
            try:
                response = self._client.send(self._client.build_request(method, path, json=body), stream=stream)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as err:
                if last:
                    raise BackendUnavailableError(f"openai backend: cannot reach {url} ({err})") from None
                time.sleep(_backoff(attempt, None))
                continue
            except httpx.TimeoutException:
                # Not retried: a server too slow to answer once would only be given the same work twice.
                raise BackendUnavailableError(f"openai backend: {url} did not answer within "
                                              f"{self.settings.timeout:g} s (OpenAISettings.timeout)") from None
            if response.status_code in RETRY_STATUS and not last:
                response.close()
                time.sleep(_backoff(attempt, response.headers.get("retry-after")))
                continue
            if response.status_code >= 400:
                detail = _error_detail(response)
                response.close()
                raise BackendUnavailableError(f"openai backend: {url} answered {response.status_code}: {detail}")
            return response
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def _url(self, path: str) -> str:
        return f"{self.settings.base_url}{path}"


def _sse_data(lines: Iterable[str]) -> Iterator[str]:
    """The ``data`` of each server-sent event (multi-line data joined by newlines; comments skipped)."""
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        # Other fields (event:, id:, retry:) and comments (":") carry nothing a completion needs.
    if data:
        yield "\n".join(data)


def _delta(chunk: dict) -> str:
    if "error" in chunk:
        raise BackendUnavailableError(f"openai backend: the server reported an error: {_short(chunk['error'])}")
    choices = chunk.get("choices") or [{}]
    return (choices[0].get("delta") or {}).get("content") or ""


def _message(reply: dict) -> str:
    try:
        return reply["choices"][0]["message"]["content"] or ""
    except (KeyError, IndexError, TypeError):
        raise BackendUnavailableError(f"openai backend: unexpected reply: {_short(reply)}") from None


def _json(response: httpx.Response, url: str) -> dict:
    try:
        return response.json()
    except ValueError:
        raise BackendUnavailableError(f"openai backend: {url} did not answer JSON: {_short(response.text)}") from None


def _error_detail(response: httpx.Response) -> str:
    response.read()
    try:
        data = response.json()
    except ValueError:
        return _short(response.text) or response.reason_phrase
    error = data.get("error", data) if isinstance(data, dict) else data
    return _short(error.get("message", error) if isinstance(error, dict) else error)


def _backoff(attempt: int, retry_after: str | None) -> float:
    if retry_after and retry_after.replace(".", "", 1).isdigit():
        return min(float(retry_after), MAX_BACKOFF)
    return min(0.5 * 2 ** attempt, MAX_BACKOFF)


def _first(value: str | None, *env: str) -> str | None:
    return value or next((os.environ[k] for k in env if os.environ.get(k)), None)


def _short(value: object, n: int = 200) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= n else text[: n - 1] + "…"
