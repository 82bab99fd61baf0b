"""Follow-up questions: make a question stand alone for retrieval, using the conversation.

Without a generative model we cannot rewrite, so a question that reads like a follow-up is joined
to the conversation's last self-contained question: "How did Musk react?" after "Why did
Microsoft drop Twitter?" retrieves with both. A follow-up leans on context ("and ...", "he",
"the company") or is short. A short question on a new topic ("What is the capital of Peru?") is
joined too, harmlessly: the evidence check still demands the names it asks about (``rag.ask``).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from ..config import AnswerSettings
from ..index.lexical import terms
from ..types import Turn

_LEANS_ON_CONTEXT = re.compile(
    r"^(and|but|so|also|what about|how about|then)\b|\b(he|she|it|they|them|his|her|its|their|this|that|"
    r"these|those|there|the company|the firm)\b",
    re.IGNORECASE,
)


def is_follow_up(question: str, short_words: int = AnswerSettings.follow_up_words) -> bool:
    """Whether ``question`` may need the conversation to be understood."""
    return len(re.findall(r"\w+", question)) <= short_words or bool(_LEANS_ON_CONTEXT.search(question))


def is_self_contained(question: str, short_words: int = AnswerSettings.follow_up_words) -> bool:
    """Enough of its own subject to anchor the follow-ups after it."""
    return len(re.findall(r"\w+", question)) > short_words or len(set(terms(question))) >= 3


def standalone_question(question: str, history: Sequence[Turn],
                        short_words: int = AnswerSettings.follow_up_words) -> str:
    """``question`` joined to the conversation's last self-contained question when it reads like a follow-up."""
    if not history or not is_follow_up(question, short_words):
        return question
    anchor = next((t.question for t in reversed(history) if is_self_contained(t.question, short_words)),
                  history[-1].question)
    return f"{anchor} {question}"


def last_question(text: str) -> str:
    """The last question of ``text``: a follow-up joined to its anchor asks what its own words ask."""
    parts = [p for p in re.split(r"(?<=\?)\s+", text.strip()) if p]
    return parts[-1] if parts else text
