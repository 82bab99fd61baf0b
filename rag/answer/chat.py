"""What the two generative backends share: the grounded prompt, follow-up rewriting, generation options.

A subclass only says how to send chat messages to its model (``chat``). The model's reply is raw
text with [n] markers; ``rag.cite`` verifies it afterwards, so nothing here trusts the model.

Settings read here, for both backends: ``rag.config.LLMSettings`` (``AnswerSettings.llm``).
"""
from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Iterable, Iterator, Sequence

from ..config import LLMSettings
from ..types import Hit, Turn
from .base import AnswerBackend, BackendContext
from .prompts import NOT_COVERED, answer_messages, rewrite_messages

MAX_REWRITE_CHARS = 300  # longer is not a question but the model rambling
_REWRITE_LABEL = re.compile(r"^(?:rewritten|standalone)?\s*question\s*:\s*", re.IGNORECASE)
# Small models paraphrase the fixed sentence ("The article does not cover this.", "The passages do not
# mention ..."); a reply that opens like that is the abstention.
_NOT_COVERED_LIKE = re.compile(
    r"(?:the |these |this )?(?:provided )?(?:articles?|passages?|texts?|sources?|context) (?:do|does|did) not "
    r"(?:cover|contain|mention|say|provide|answer|include|specify|state)\b|i (?:do not|don't) know\b",
    re.IGNORECASE,
)


class ChatBackend(AnswerBackend):
    """A backend that answers through a chat-completion model."""

    streams_tokens = True

    def __init__(self, context: BackendContext):
        super().__init__(context)
        self.llm_settings = context.settings.llm
        self.max_tokens = self.llm_settings.max_tokens
        self.temperature = self.llm_settings.temperature

    @abstractmethod
    def chat(self, messages: list[dict[str, str]], *, max_tokens: int, stream: bool) -> Iterator[str]:
        """Yield the model's reply to ``messages``: token pieces when ``stream``, else the whole reply once."""

    def generate(self, question: str, passages: Sequence[Hit], history: Sequence[Turn] = ()) -> Iterator[str]:
        messages = answer_messages(question, self.fit(question, passages, history), history,
                                   self.llm_settings.context_turns)
        yield from fixed_abstention(self.chat(messages, max_tokens=self.max_tokens, stream=True),
                                    self.llm_settings.hold_words)

    def fit(self, question: str, passages: Sequence[Hit], history: Sequence[Turn] = ()) -> Sequence[Hit]:
        """The passages that fit the model's context; all of them unless a backend knows its limit."""
        return passages

    def rewrite(self, question: str, history: Sequence[Turn]) -> str:
        """Ask the model for a standalone question; the base heuristic when the call or its reply fails."""
        if not history:
            return question
        try:
            reply = "".join(self.chat(rewrite_messages(question, history, self.llm_settings.context_turns),
                                      max_tokens=self.llm_settings.rewrite_max_tokens, stream=False))
        except Exception:  # noqa: BLE001 - any failure of an optional model call must not fail the question
            reply = ""
        return clean_rewrite(reply) or super().rewrite(question, history)


def fixed_abstention(pieces: Iterable[str], hold_words: int = LLMSettings().hold_words) -> Iterator[str]:
    """The pieces as they come, except that a reply opening with a paraphrase of the abstention
    sentence becomes exactly ``NOT_COVERED``. Only the first few words are held back to decide."""
    pieces = iter(pieces)
    held = ""
    for piece in pieces:
        held += piece
        if len(held.split()) >= hold_words or re.search(r"[.!?\n]", held):
            break
    if _NOT_COVERED_LIKE.match(held.strip()):
        if hasattr(pieces, "close"):
            pieces.close()  # stop generating: nothing after an abstention is shown
        yield NOT_COVERED
        return
    if held:
        yield held
    yield from pieces


def clean_rewrite(reply: str) -> str:
    """The question in a rewriter's reply, or "" when the reply is not usable as one."""
    line = next((ln.strip() for ln in reply.splitlines() if ln.strip()), "")
    line = _REWRITE_LABEL.sub("", line).strip().strip("\"'`“”").strip()
    if len(line) > MAX_REWRITE_CHARS or not re.search(r"\w{2}", line):
        return ""
    return line
