"""The extractive backend: the answer is 1-4 sentences quoted verbatim from the passages.

Every sentence of the retrieved passages is scored against the question (embedding similarity and
IDF-weighted term overlap, see ``rag.grounding.scorer``), plus a bonus when it gives the kind of answer
asked for and the question does not already say it (``answer_bonus``), or a figure or name right beside
the question's focus (``focus_bonus``), and a small prior for better-ranked passages. The best sentence
leads; others follow when they score close to it and add something new. When none of them gives the
asked figure, date or name, the best sentence that does (from an article already quoted) is brought
in. No model beyond the embedder, so it is always available and fast. Tuned values: ``ExtractiveSettings``.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..config import ExtractiveSettings
from ..grounding.scorer import ScoredSentence
from ..index.lexical import terms
from ..question.focus import Focus, asked_focus
from ..question.kind import ASKS_WHY, expected_kinds
from ..question.reading import CHOICE_KINDS, QuestionReading, read_question
from ..text import FIGURE, NAME_TOKEN, words_and_numbers
from ..types import Hit, Turn
from .base import AnswerBackend
from .magnitude import Compared, compare
from .order import day, order_of
from .prompts import NOT_COVERED
from .short import chosen_option, short_answer, verdict

_LEANS_BACK = re.compile(r"^[\"'“‘]?(it|this|that|these|those|he|she|they|his|her|their|the move|the decision)\b", re.I)
_TOKEN = re.compile(r"\S+")
_POSSESSIVE = re.compile(r"[’']s?\W*$")
_ORDINAL = re.compile(r"\d(?:st|nd|rd|th)\b")  # "the 15th-century coins" counts no coins


@dataclass(frozen=True)
class Ranking:
    """Sentences that could answer, best first; ``values``, ``previous`` and ``following`` (the sentences
    before and after, in its passage) are keyed by ``id`` of a sentence."""

    sentences: list[ScoredSentence]
    values: dict[int, float]
    previous: dict[int, ScoredSentence]
    following: dict[int, ScoredSentence]


class ExtractiveBackend(AnswerBackend):
    name = "extractive"
    description = "Quotes the best-matching sentences; no language model."

    @property
    def settings(self) -> ExtractiveSettings:
        return self.context.settings.extractive

    @property
    def neighbour_passages(self) -> int:
        # "Threads now has 320 million users" may sit in the chunk before the two retrieved.
        return self.settings.neighbour_passages

    def generate(self, question: str, passages: Sequence[Hit], history: Sequence[Turn] = ()) -> Iterator[str]:
        # Relevance is judged against the question with its conversation; the kind of answer by the question itself.
        focus = self.rewrite(question, history) if history else question
        reading = read_question(question)
        if reading.order:  # "Which came first: X or Y?": each event in its own article, ordered by date
            told = order_of(reading.order, passages, self.context.scorer)
            if told:
                answer, events = told
                when = ", then ".join(day(t.published) for t in events)
                first, then = (t.sentence for t in events)
                yield f"{answer[:1].upper()}{answer[1:]} ({when}): {_as_sentence(first.text)} [{first.passage + 1}]"
                yield f" {_as_sentence(then.text)} [{then.passage + 1}]"
                return
        ranking = self.rank(question, passages, focus=focus, reading=reading)
        if reading.comparison:  # "Which spends the most ...?": the candidates' figures compared
            compared = compare(reading, ranking.sentences, ranking.values, passages, self.context.scorer,
                               self.settings.answer_floor)
            if compared:
                yield from _comparison_answer(reading, *compared)
                return
        chosen = self.select(question, passages, self.settings.max_sentences, focus=focus, ranking=ranking)
        if reading.kind in CHOICE_KINDS or reading.short:
            lead = self.lead(reading, ranking, chosen, passages)
            if lead is not None:
                short, sentence = lead
                cite = f"[{sentence.passage + 1}]"
                if reading.kind == "yes/no":  # "Yes" is in no sentence: it leads the one it is read from
                    yield f"{short}: {_as_sentence(sentence.text)} {cite}"
                    return
                # "Simona Halep [1]. Simona Halep won ... [1]": cite.py finds the name in the sentence. The
                # other chosen sentences follow: one sentence when it alone came close to the best.
                yield f"{short} {cite}. {_as_sentence(sentence.text)} {cite}"
                for other in chosen:
                    if other is not sentence:
                        yield f" {_as_sentence(other.text)} [{other.passage + 1}]"
                return
            if reading.kind == "yes/no":
                yield NOT_COVERED  # no sentence plainly says yes or no: better said than guessed
                return
        for i, sentence in enumerate(chosen):
            yield ("" if i == 0 else " ") + f"{_as_sentence(sentence.text)} [{sentence.passage + 1}]"

    def rank(self, question: str, passages: Sequence[Hit], focus: str | None = None,
             reading: QuestionReading | None = None) -> Ranking:
        """The sentences that could answer, best first, with their values.

        A sentence naming another year, quarter, edition or qualifier than the question asks is left out:
        "Egan Bernal won the 2019 Tour de France" is a wrong answer to "Who won the 2021 Tour de France?".
        """
        settings = self.settings
        reading = reading or read_question(question)
        everything = self.context.scorer.sentences(focus or question, list(passages))
        previous = {id(b): a for a, b in zip(everything, everything[1:]) if a.passage == b.passage}
        following = {id(a): b for a, b in zip(everything, everything[1:]) if a.passage == b.passage}
        asks_why = bool(ASKS_WHY.search(question))
        asked = asked_focus(question)
        agreement = {id(s): reading.constraints.agreement(s.text, passages[s.passage].published) for s in everything}

        def value(s: ScoredSentence) -> float:
            own = s.score
            if asks_why and id(s) in previous:
                # The reason tends to follow the sentence that states the event asked about.
                own = max(own, (own + previous[id(s)].score) / 2)
            return (own + answer_bonus(question, s.text, settings) + focus_bonus(asked, s.text, question, settings)
                    + settings.rank_prior / (s.passage + 1) + settings.agreement_bonus * max(0, agreement[id(s)]))

        values = {id(s): value(s) for s in everything}
        ranked = sorted((s for s in everything if _answer_like(s.text, settings) and agreement[id(s)] >= 0),
                        key=lambda s: -values[id(s)])
        return Ranking(ranked, values, previous, following)

    def lead(self, reading: QuestionReading, ranking: Ranking, chosen: Sequence[ScoredSentence],
             passages: Sequence[Hit] = ()) -> tuple[str, ScoredSentence] | None:
        """The short answer and the one sentence that gives it: of the ``chosen`` sentences (those giving the
        kind of answer asked first, as "recovered 112 coins" for "how many coins") and then the next best
        few, the first naming an answer of the kind asked (a person, a date, an option of the choice); for
        yes/no the best sentence when it covers the question. None when none does. ``passages`` (all those
        read) settle which of several names in that sentence leads (``short_answer``)."""
        ranked, values = ranking.sentences, ranking.values
        if not ranked:
            return None
        settings = self.settings
        if reading.kind == "yes/no":
            top = ranked[0]
            return (verdict(top.text), top) if top.lexical >= settings.yes_no_coverage else None
        best = values[id(ranked[0])]
        # "Who were the two senators ...?": fewer sentences name two of them, so twice as many are searched.
        searched = ranked[:settings.short_answer_candidates * reading.count]
        near = [s for s in searched if values[id(s)] >= settings.answer_floor * best]
        answering = [s for s in chosen if _gives_answer(reading.question, s.text, settings)]
        texts = [p.text for p in passages]
        for s in dict.fromkeys([*answering, *chosen, *near]):
            short = (chosen_option(reading, s.text) if reading.kind == "either/or"
                     else short_answer(reading, s.text, texts))
            if short:
                return short, s
        return None

    def select(self, question: str, passages: Sequence[Hit], max_sentences: int = 3,
               focus: str | None = None, ranking: Ranking | None = None) -> list[ScoredSentence]:
        """The answer sentences, best first; a sentence leaning on the one before it brings that one along."""
        settings = self.settings
        ranking = ranking or self.rank(question, passages, focus=focus)
        ranked, values, previous = ranking.sentences, ranking.values, ranking.previous
        asks_why = bool(ASKS_WHY.search(question))
        asked = asked_focus(question)
        typed_question = bool(expected_kinds(question))

        if not ranked:
            return []
        best = values[id(ranked[0])]
        chosen: list[ScoredSentence] = []
        for s in ranked:
            if len(chosen) >= max_sentences or values[id(s)] < settings.close_to_best * best:
                break
            if any(_overlap(s.text, c.text) > settings.redundant for c in chosen):
                continue
            before = previous.get(id(s))
            if (_LEANS_BACK.match(s.text) and before is not None and before not in chosen
                    and _answer_like(before.text, settings)):
                chosen.append(before)  # "It comes after..." needs the sentence that says what "it" is
            chosen.append(s)
        after = ranking.following.get(id(chosen[0])) if chosen else None
        if (not asks_why and after is not None and after not in chosen and _answer_like(after.text, settings)
                and _restates(chosen[0].text, question)):
            # "...the most infectious variant yet has arrived." restates "... has arrived. What is it called?";
            # the sentence after it names the variant.
            chosen.insert(1, after)
        if (typed_question or asked) and not asks_why \
                and not any(_gives_answer(question, c.text, settings) for c in chosen):
            # A figure, date or name question whose closest sentences only restate it ("a hoard of silver
            # coins was found"): bring the best sentence that gives such an answer ("recovered 112 coins").
            # From an article already quoted: its lead sentence set the context the answer completes.
            quoted = {passages[c.passage].article_id for c in chosen}
            answer = next((s for s in ranked if values[id(s)] >= settings.answer_floor * best
                           and _gives_answer(question, s.text, settings)
                           and passages[s.passage].article_id in quoted), None)
            if answer is not None and answer not in chosen:
                chosen = chosen[: max_sentences - 1] + [answer]
        if asks_why and chosen:
            # The reason leads: "Why is it called Grok?" is answered by "The name comes from ...", not by the
            # sentences about Grok that scored closer. Of the chosen, else of the next best in their articles;
            # first in the best sentence's article, the story asked about ("Musk's threat comes after ..." in
            # another article about Musk gives a reason for something else).
            quoted = {passages[c.passage].article_id for c in chosen}
            near = [s for s in ranked if values[id(s)] >= settings.answer_floor * best
                    and passages[s.passage].article_id in quoted]
            story = passages[chosen[0].passage].article_id
            candidates = sorted(dict.fromkeys([*chosen, *near]), key=lambda s: passages[s.passage].article_id != story)
            reason = next((s for s in candidates if _gives_answer(question, s.text, settings)), None)
            if reason is not None and reason is not chosen[0]:
                rest = [c for c in chosen if c is not reason]
                chosen = [reason] + (rest if len(rest) < len(chosen) else rest[: max_sentences - 1])
        return chosen[: max_sentences + 1]


def _comparison_answer(reading: QuestionReading, answer: str, compared: Sequence[Compared]) -> Iterator[str]:
    """"Darius Whitlow [1]. <its sentence> [1] <the runner-up's sentence> [2]"; for options, the figures compared
    lead: "Microsoft with its 2023 deal ($10bn against $45m): ..."."""
    first = compared[0].sentence
    if reading.options:
        figures = " against ".join(c.figure.text for c in compared[:2])
        yield f"{answer[:1].upper()}{answer[1:]} ({figures}): {_as_sentence(first.text)} [{first.passage + 1}]"
    else:
        yield f"{answer} [{first.passage + 1}]. {_as_sentence(first.text)} [{first.passage + 1}]"
    shown = [first]
    for c in compared[1:]:
        if all(c.sentence is not s for s in shown) and len(shown) < 3:
            shown.append(c.sentence)
            yield f" {_as_sentence(c.sentence.text)} [{c.sentence.passage + 1}]"


def _gives_answer(question: str, sentence: str, settings: ExtractiveSettings) -> bool:
    """Whether ``sentence`` gives the kind of answer asked (a figure, date or name the question does not
    say), beside the question's focus when it has one."""
    typed = answer_bonus(question, sentence, settings) > 0 or not expected_kinds(question)
    asked = asked_focus(question)
    return typed and (asked is None or focus_bonus(asked, sentence, question, settings) >= settings.focus_bonus)


def answer_bonus(question: str, sentence: str, settings: ExtractiveSettings = ExtractiveSettings()) -> float:
    """The bonus of the best kind of answer ``question`` asks for that ``sentence`` gives.

    Only what the question does not already say counts: "the $100-a-month plan" does not make a
    sentence about $100 a month the answer to "What is the $100-a-month plan called?".
    """
    asked = set(words_and_numbers(question))
    return max((settings.reason_bonus if kind.name == "reason" else settings.typed_bonus
                for kind in expected_kinds(question)
                if any(not set(words_and_numbers(m.group(0))) <= asked for m in kind.looks_like.finditer(sentence))),
               default=0.0)


def focus_bonus(focus: Focus | None, sentence: str, question: str = "",
                settings: ExtractiveSettings = ExtractiveSettings()) -> float:
    """How plainly ``sentence`` answers about ``focus`` of ``question``: a figure just before it
    ("recovered 112 COINS") for a figure question, a name beside it ("Castlebar Circuit COURT") otherwise.
    Words match as index terms, so that "coin" finds "coins". Full bonus when it does, a third when the
    sentence only names the focus.
    """
    if focus is None:
        return 0.0
    full = settings.focus_bonus
    wanted = {t for w in focus.words for t in terms(w)}
    asked = set(words_and_numbers(question))
    tokens = _TOKEN.findall(sentence)
    best = 0.0
    for j, token in enumerate(tokens):
        if not wanted & set(terms(token)):
            continue
        if focus.with_figure:
            before = tokens[max(0, j - 4):j]
            if any(FIGURE.search(t) and not _ORDINAL.search(t) and not set(words_and_numbers(t)) <= asked
                   for t in before):
                return full
        elif any(NAME_TOKEN.match(t) and not _POSSESSIVE.search(t) and not set(words_and_numbers(t)) <= asked
                 for t in tokens[max(1, j - 1):j + 2] if t is not token):
            return full  # a new name, not an owner: "Castlebar Circuit Court", not "Ireland's courts"
        best = max(best, full / 3)
    return best


def _answer_like(text: str, settings: ExtractiveSettings) -> bool:
    # Headings and questions ("What is this spat about?") answer nothing.
    return len(text.split()) >= settings.min_words and not text.rstrip("\"'”’").endswith("?")


def _restates(sentence: str, question: str) -> bool:
    """Whether ``sentence`` says nothing the question does not (at most one new index term)."""
    return len(set(terms(sentence)) - set(terms(question))) <= 1


def _as_sentence(text: str) -> str:
    return " ".join(text.split())


def _overlap(a: str, b: str) -> float:
    wa, wb = set(a.lower().split()), set(b.lower().split())
    return len(wa & wb) / max(1, min(len(wa), len(wb)))
