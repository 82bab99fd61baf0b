"""The extractive backend: the answer is 1-4 sentences quoted verbatim from the passages.

Every sentence of the retrieved passages is scored against the question (embedding similarity and
IDF-weighted term overlap, see ``rag.support``), with a small prior for better-ranked passages. The
best sentence leads; others follow when they score close to it and add something new. No model
beyond the embedder, so it is always available and fast.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..answer_types import ASKS_WHY, expected_answers
from ..support import ScoredSentence
from ..types import Hit, Turn
from .base import AnswerBackend

MIN_WORDS = 5
CLOSE_TO_BEST = 0.75  # a further sentence must score at least this share of the best one (see README, Quality)
REDUNDANT = 0.8  # word overlap above which a sentence repeats one already chosen
_LEANS_BACK = re.compile(r"^[\"'“‘]?(it|this|that|these|those|he|she|they|his|her|their|the move|the decision)\b", re.I)


class ExtractiveBackend(AnswerBackend):
    name = "extractive"
    description = "Quotes the best-matching sentences; no language model."

    def generate(self, question: str, passages: Sequence[Hit], history: Sequence[Turn] = ()) -> Iterator[str]:
        max_sentences = int(self.context.options.get("max_sentences", 3))
        # Relevance is judged against the question with its conversation; the kind of answer by the question itself.
        focus = self.rewrite(question, history) if history else question
        for i, sentence in enumerate(self.select(question, passages, max_sentences, focus=focus)):
            yield ("" if i == 0 else " ") + f"{_as_sentence(sentence.text)} [{sentence.passage + 1}]"

    def select(self, question: str, passages: Sequence[Hit], max_sentences: int = 3,
               focus: str | None = None) -> list[ScoredSentence]:
        """The answer sentences, best first; a sentence leaning on the one before it brings that one along."""
        everything = self.context.scorer.sentences(focus or question, list(passages))
        previous = {id(b): a for a, b in zip(everything, everything[1:]) if a.passage == b.passage}
        wanted = expected_answers(question)
        asks_why = bool(ASKS_WHY.search(question))

        def value(s: ScoredSentence) -> float:
            own = s.score
            if asks_why and id(s) in previous:
                # The reason tends to follow the sentence that states the event asked about.
                own = max(own, (own + previous[id(s)].score) / 2)
            typed = max((bonus for bonus, answer in wanted if answer.search(s.text)), default=0.0)
            return own + typed + 0.05 / (s.passage + 1)  # better-ranked passages first among equals

        ranked = sorted((s for s in everything if _answer_like(s.text)), key=lambda s: -value(s))
        if not ranked:
            return []
        best = value(ranked[0])
        chosen: list[ScoredSentence] = []
        for s in ranked:
            if len(chosen) >= max_sentences or value(s) < CLOSE_TO_BEST * best:
                break
            if any(_overlap(s.text, c.text) > REDUNDANT for c in chosen):
                continue
            before = previous.get(id(s))
            if _LEANS_BACK.match(s.text) and before is not None and before not in chosen and _answer_like(before.text):
                chosen.append(before)  # "It comes after..." needs the sentence that says what "it" is
            chosen.append(s)
        return chosen[: max_sentences + 1]


def _answer_like(text: str) -> bool:
    # Headings and questions ("What is this spat about?") answer nothing.
    return len(text.split()) >= MIN_WORDS and not text.rstrip("\"'”’").endswith("?")


def _as_sentence(text: str) -> str:
    return " ".join(text.split())


def _overlap(a: str, b: str) -> float:
    wa, wb = set(a.lower().split()), set(b.lower().split())
    return len(wa & wb) / max(1, min(len(wa), len(wb)))
