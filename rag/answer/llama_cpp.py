"""The ``llama-cpp`` backend: a local GGUF model run in-process by llama-cpp-python, fully offline.

The default model is Qwen2.5-Coder-0.5B-Instruct from PyPI chunk packages (see ``rag.answer.gguf``);
any GGUF file can be named instead. The model is loaded once per process and file.

Settings: ``rag.config.LlamaCppSettings`` (model file, context window, threads) and ``LLMSettings``.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from functools import lru_cache

import llama_cpp  # an ImportError here keeps the backend out of the registry

from ..errors import BackendUnavailableError
from ..types import Hit, Turn
from .base import BackendContext
from .chat import ChatBackend
from .gguf import model_path
from .prompts import answer_messages

TEMPLATE_TOKENS = 64  # room for the chat template's role markers around the messages


class LlamaCppBackend(ChatBackend):
    name = "llama-cpp"
    description = "A local GGUF model through llama-cpp-python (default: Qwen2.5-Coder-0.5B-Instruct)."

    def __init__(self, context: BackendContext):
        super().__init__(context)
        settings = context.settings.llama_cpp
        self.model_path = model_path(settings.model_path)
        self.n_ctx = settings.n_ctx
        threads = settings.threads or os.cpu_count() or 1
        self.llm, self._lock = _load(str(self.model_path), self.n_ctx, threads)

    def chat(self, messages: list[dict[str, str]], *, max_tokens: int, stream: bool) -> Iterator[str]:
        # One generation at a time per loaded model: a llama.cpp context is not safe to share between threads.
        with self._lock:
            reply = self.llm.create_chat_completion(messages=messages, max_tokens=max_tokens,
                                                    temperature=self.temperature, stream=stream)
            if not stream:
                yield reply["choices"][0]["message"]["content"] or ""
                return
            for chunk in reply:
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    yield piece

    def fit(self, question: str, passages: Sequence[Hit], history: Sequence[Turn] = ()) -> Sequence[Hit]:
        """The leading passages whose prompt leaves room for the answer (at least one passage)."""
        budget = self.n_ctx - self.max_tokens - TEMPLATE_TOKENS
        shown = list(passages)
        while len(shown) > 1 and self._tokens(answer_messages(question, shown, history, self.llm_settings.context_turns)) > budget:
            shown.pop()
        return shown

    def _tokens(self, messages: list[dict[str, str]]) -> int:
        text = "\n".join(m["content"] for m in messages)
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))


@lru_cache(maxsize=2)
def _load(path: str, n_ctx: int, threads: int) -> tuple[llama_cpp.Llama, threading.Lock]:
    try:
        llm = llama_cpp.Llama(model_path=path, n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads,
                              seed=0, verbose=False)
    except (ValueError, RuntimeError) as err:
        raise BackendUnavailableError(f"llama-cpp backend: cannot load model {path}: {err}") from None
    return llm, threading.Lock()
