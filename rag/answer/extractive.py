"""The extractive backend: the answer is 1-4 sentences quoted verbatim from the passages.

Every sentence of the retrieved passages is scored against the question (embedding similarity and
IDF-weighted term overlap, see ``rag.support``), plus a bonus when it gives the kind of answer asked
for and the question does not already say it (``rag.answer_types``), or a figure or name right beside
the question's focus (``rag.focus``), and a small prior for better-ranked passages. The best sentence
leads; others follow when they score close to it and add something new. When none of them gives the
asked figure, date or name, the best sentence that does (from an article already quoted) is brought
in. No model beyond the embedder, so it is always available and fast.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..answer_types import ASKS_WHY, answer_bonus, expected_answers
from ..focus import FOCUS_BONUS, asked_focus, focus_bonus
from ..support import ScoredSentence
from ..types import Hit, Turn
from .base import AnswerBackend

MIN_WORDS = 5
CLOSE_TO_BEST = 0.75  # a further sentence must score at least this share of the best one (see README, Quality)
ANSWER_FLOOR = 0.4  # a sentence brought in for the asked answer scores this share of the best (0.3-0.4: one plateau)
REDUNDANT = 0.8  # word overlap above which a sentence repeats one already chosen
_LEANS_BACK = re.compile(r"^[\"'“‘]?(it|this|that|these|those|he|she|they|his|her|their|the move|the decision)\b", re.I)


class ExtractiveBackend(AnswerBackend):
    name = "extractive"
    description = "Quotes the best-matching sentences; no language model."
    neighbour_passages = 2  # "Threads now has 320 million users" may sit in the chunk before the two retrieved

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
        asks_why = bool(ASKS_WHY.search(question))
        asked = asked_focus(question)
        typed_question = bool(expected_answers(question))

        def value(s: ScoredSentence) -> float:
            own = s.score
            if asks_why and id(s) in previous:
                # The reason tends to follow the sentence that states the event asked about.
                own = max(own, (own + previous[id(s)].score) / 2)
            return (own + answer_bonus(question, s.text) + focus_bonus(asked, s.text, question)
                    + 0.05 / (s.passage + 1))  # better-ranked passages first among equals

        def gives_answer(s: ScoredSentence) -> bool:
            typed = answer_bonus(question, s.text) > 0 or not typed_question
            return typed and (asked is None or focus_bonus(asked, s.text, question) >= FOCUS_BONUS)

        values = {id(s): value(s) for s in everything}
        ranked = sorted((s for s in everything if _answer_like(s.text)), key=lambda s: -values[id(s)])
        if not ranked:
            return []
        best = values[id(ranked[0])]
        chosen: list[ScoredSentence] = []
        for s in ranked:
            if len(chosen) >= max_sentences or values[id(s)] < CLOSE_TO_BEST * best:
                break
            if any(_overlap(s.text, c.text) > REDUNDANT for c in chosen):
                continue
            before = previous.get(id(s))
            if _LEANS_BACK.match(s.text) and before is not None and before not in chosen and _answer_like(before.text):
                chosen.append(before)  # "It comes after..." needs the sentence that says what "it" is
            chosen.append(s)
        if (typed_question or asked) and not asks_why and not any(gives_answer(c) for c in chosen):
            # A figure, date or name question whose closest sentences only restate it ("a hoard of silver
            # coins was found"): bring the best sentence that gives such an answer ("recovered 112 coins").
            # From an article already quoted: its lead sentence set the context the answer completes.
            quoted = {passages[c.passage].article_id for c in chosen}
            answer = next((s for s in ranked if values[id(s)] >= ANSWER_FLOOR * best and gives_answer(s)
                           and passages[s.passage].article_id in quoted), None)
            if answer is not None and answer not in chosen:
                chosen = chosen[: max_sentences - 1] + [answer]
        return chosen[: max_sentences + 1]


def _answer_like(text: str) -> bool:
    # Headings and questions ("What is this spat about?") answer nothing.
    return len(text.split()) >= MIN_WORDS and not text.rstrip("\"'”’").endswith("?")


def _as_sentence(text: str) -> str:
    return " ".join(text.split())


def _overlap(a: str, b: str) -> float:
    wa, wb = set(a.lower().split()), set(b.lower().split())
    return len(wa & wb) / max(1, min(len(wa), len(wb)))
