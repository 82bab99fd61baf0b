"""Questions about who ran a story ("Which outlets carried the story about ...?"), answered from metadata.

A news archive holds the same story from several outlets; the index keeps one copy and records the
others (``Index.copies_of``). The text of an article never says which outlets ran it, so no passage
sentence answers such a question: the answer is the source and date of the story's article and of
its recorded copies, citing the story's passage. "Which outlet published both X and Y?" takes the
outlets the two stories have in common.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ..grounding.scorer import SupportScorer
from ..index.store import Index
from ..types import Citation, Hit

_OUTLET_NOUN = re.compile(
    r"\b(?:which|what)\s+(?:\w+\s+){0,2}?(?:outlets?|publications?|newspapers?|papers?|news\s?sites?|websites?|"
    r"broadcasters?|media|news organi[sz]ations?)\b", re.I)
_PUBLISHING = re.compile(r"\b(?:ran|run|runs|published|publish|carried|carry|reported|report|covered|broke|printed|"
                         r"aired)\b", re.I)
_WHO_PUBLISHED = re.compile(r"\bwho\s+(?:published|ran|carried|reported|broke)\b", re.I)
_BOTH = re.compile(r"\bboth\b(.+?)\band\b(.+)", re.I)
_OUTLET_WORDS = re.compile(r"\b(?:which|what|who|two|three|outlets?|publications?|newspapers?|papers?|sites?|"
                           r"websites?|broadcasters?|media|published|ran|carried|reported|story|stories|both|"
                           r"quoting)\b", re.I)


@dataclass(frozen=True)
class Outlet:
    source: str
    published: date | None


def asks_for_outlets(question: str) -> bool:
    """Whether ``question`` asks which outlets ran a story."""
    # "Which newspaper did he work for?" asks about the story's content, not who ran it.
    return bool(_OUTLET_NOUN.search(question) and _PUBLISHING.search(question)) or bool(_WHO_PUBLISHED.search(question))


def outlets_answer(question: str, hits: Sequence[Hit], index: Index, scorer: SupportScorer
                   ) -> tuple[str, list[Citation]] | None:
    """The answer text with [n] markers and its citations; None when no story among ``hits`` fits."""
    if not hits:
        return None
    both = _BOTH.search(question)
    parts = [both.group(1), both.group(2)] if both else [question]
    stories: list[int] = []  # positions in hits, one per part, distinct articles
    for part in parts:
        best = _best_story(_OUTLET_WORDS.sub(" ", part), hits, scorer, exclude={hits[i].article_id for i in stories})
        if best is None:
            return None
        stories.append(best)
    citations = [_citation(n, hits[i], part, scorer) for n, (i, part) in enumerate(zip(stories, parts), 1)]
    outlets = [_outlets(hits[i], index) for i in stories]
    if len(stories) == 2:
        common = [o for o in outlets[0] if o.source in {p.source for p in outlets[1]}]
        if common:
            return f"{_names(common)} published both stories [1] [2].", citations
        return (f"No outlet published both: the first ran in {_names(outlets[0], dated=True)} [1], the second in "
                f"{_names(outlets[1], dated=True)} [2].", citations)
    if len(outlets[0]) > 1:  # the names lead, as for any question asking for names; then when each ran it
        return (f"{_names(outlets[0])} [1]. The story ran in {_names(outlets[0], dated=True)}, as copies of one "
                f"text [1].", citations)
    return f"The story ran in {_names(outlets[0], dated=True)} [1].", citations


def _best_story(part: str, hits: Sequence[Hit], scorer: SupportScorer, exclude: set[str]) -> int | None:
    """The hit whose article (title and passages) covers ``part`` best; ties go to the better rank."""
    texts: dict[str, list[str]] = {}
    for hit in hits:
        texts.setdefault(hit.article_id, [hit.title]).append(hit.text)
    best, best_coverage = None, 0.0
    for i, hit in enumerate(hits):
        if hit.article_id in exclude or any(h.article_id == hit.article_id for h in hits[:i]):
            continue
        coverage = scorer.coverage_in(part, texts[hit.article_id])
        if coverage > best_coverage:
            best, best_coverage = i, coverage
    return best


def _outlets(hit: Hit, index: Index) -> list[Outlet]:
    found = [Outlet(hit.source or "an unnamed source", hit.published)]
    for copy in index.copies_of(hit.article_id):
        if copy.source and copy.source not in {o.source for o in found}:
            found.append(Outlet(copy.source, copy.published))
    return found


def _names(outlets: Sequence[Outlet], dated: bool = False) -> str:
    names = [f"{o.source} ({o.published.day} {o.published:%B %Y})" if dated and o.published else o.source
             for o in outlets]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _citation(n: int, hit: Hit, part: str, scorer: SupportScorer) -> Citation:
    # The quote shows which story is meant; the outlets come from the article's own metadata.
    sentence = scorer.best_support(part, hit)
    if sentence is None:
        return Citation(n, hit, hit.text, 0, len(hit.text))
    return Citation(n, hit, sentence.text, sentence.start, sentence.end)
