"""The answer-backend interface and the registry of backends that can run here.

A backend turns a question and numbered passages into answer text whose claims carry [n] markers
(n counts the passages from 1). It does not build citations: ``rag.cite`` verifies every marker
against the passage it names, whatever the backend, so a backend cannot cite what was not shown.
"""
from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..config import AnswerSettings
from ..errors import BackendUnavailableError
from ..grounding.scorer import SupportScorer
from ..question.followup import standalone_question
from ..types import Hit, Turn


@dataclass(frozen=True)
class BackendContext:
    """What a backend may use besides the passages: the scorer holds the embedder and index statistics;
    the settings hold every backend's typed options."""

    scorer: SupportScorer
    settings: AnswerSettings = AnswerSettings()


class AnswerBackend(ABC):
    name: str = ""
    description: str = ""
    streams_tokens: bool = False  # True when ``generate`` yields model tokens as they come
    # Passages of the best article next to the retrieved ones, shown after them: cheap for a backend that
    # reads sentences, a longer prompt for a model (rag.desk.Newsdesk.neighbours).
    neighbour_passages: int = 0

    def __init__(self, context: BackendContext):
        self.context = context

    @abstractmethod
    def generate(self, question: str, passages: Sequence[Hit], history: Sequence[Turn] = ()) -> Iterator[str]:
        """Yield the answer text in pieces; claims carry [n] markers for passage n (from 1)."""

    def rewrite(self, question: str, history: Sequence[Turn]) -> str:
        """The question to retrieve with, standing alone without the conversation."""
        return standalone_question(question, history, self.context.settings.follow_up_words)


# name -> (module, class). A backend is listed only when its module imports.
_BACKENDS = {
    "extractive": ("rag.answer.extractive", "ExtractiveBackend"),
    "llama-cpp": ("rag.answer.llama_cpp", "LlamaCppBackend"),
    "openai": ("rag.answer.openai", "OpenAIBackend"),
}


def available_backends() -> dict[str, type[AnswerBackend]]:
    """The backends whose dependencies import here, by name."""
    found = {}
    for name, (module, cls) in _BACKENDS.items():
        try:
            found[name] = getattr(importlib.import_module(module), cls)
        except ImportError:
            continue
    return found


def get_backend(name: str, context: BackendContext) -> AnswerBackend:
    backends = available_backends()
    if name not in backends:
        known = ", ".join(sorted(backends)) or "none"
        raise BackendUnavailableError(f"answer backend '{name}' is not available here (available: {known})")
    return backends[name](context)

