"""Follow-up questions: make a question stand alone for retrieval, using the conversation.

Without a generative model we cannot rewrite, so a question that reads like a follow-up (short,
or leaning on a pronoun or "and ...") is joined to the previous question: "How did Musk react?"
after "Why did Microsoft drop Twitter?" retrieves with both.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from .types import Turn

_LEANS_ON_CONTEXT = re.compile(
    r"^(and|but|so|also|what about|how about|then)\b|\b(he|she|it|they|them|his|her|its|their|this|that|"
    r"these|those|there|the company|the firm)\b",
    re.IGNORECASE,
)


def is_follow_up(question: str) -> bool:
    words = re.findall(r"\w+", question)
    return len(words) <= 6 or bool(_LEANS_ON_CONTEXT.search(question))


def standalone_question(question: str, history: Sequence[Turn]) -> str:
    """``question`` joined to the conversation's last self-contained question when it reads like a follow-up."""
    if not history or not is_follow_up(question):
        return question
    anchor = next((t.question for t in reversed(history) if not is_follow_up(t.question)), history[-1].question)
    return f"{anchor} {question}"
