"""Which of two events came first: each found in its own article, ordered by the articles' dates.

"Which came first: Microsoft's OpenAI investment or its confirmation that Bing runs on GPT-4?" No one
sentence answers it, and the sentence closest to the whole question quotes one event only. Each event is
looked for on its own among the passages read; news reports an event when it happens, so the date of the
earliest article reporting each orders them. When an event is not clearly found, or both come from one article or one day,
the dates decide nothing and the question is left to the ordinary reader.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ..grounding.scorer import ScoredSentence, SupportScorer
from ..question.reading import Order
from ..types import Hit

# Share of an event's words (IDF-weighted) its sentence must hold to count as reporting it.
MIN_EVENT_COVERAGE = 0.5
# Sentences scoring at least this share of the event's best sentence report it as well.
CLOSE_TO_BEST = 0.8


@dataclass(frozen=True)
class Told:
    """An event's sentence and the date of the article it comes from."""

    sentence: ScoredSentence
    published: date


def order_of(order: Order, passages: Sequence[Hit], scorer: SupportScorer) -> tuple[str, list[Told]] | None:
    """The answer ("Before", "After", or the event asked for, as the question words it) and the two events'
    sentences, earlier first; None when the passages do not settle the order."""
    told = []
    for event in order.events:
        scored = scorer.sentences(event, list(passages))
        best = max((s.score for s in scored), default=0.0)
        # Later articles look back on an event ("after Twitter ended free access"): its first report dates it.
        reports = [Told(s, passages[s.passage].published) for s in scored
                   if s.lexical >= MIN_EVENT_COVERAGE and s.score >= CLOSE_TO_BEST * best and passages[s.passage].published]
        if not reports:
            return None
        told.append(min(reports, key=lambda t: (t.published, -t.sentence.score)))
    first, second = told
    if passages[first.sentence.passage].article_id == passages[second.sentence.passage].article_id \
            or first.published == second.published:
        return None
    first_is_earlier = first.published < second.published
    if order.relative:
        answer = "Before" if first_is_earlier else "After"
    else:
        answer = order.events[0] if first_is_earlier == order.earliest else order.events[1]
    return answer, sorted(told, key=lambda t: t.published)


def day(when: date) -> str:
    """``date(2023, 1, 23)`` as "23 January 2023"."""
    return f"{when.day} {when:%B %Y}"
