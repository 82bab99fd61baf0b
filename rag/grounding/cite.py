"""Turn a backend's raw answer into checked citations.

Every [n] marker must name a passage that was shown; each sentence is checked against the passage
it cites (``rag.grounding.scorer``): a short claim (a name, a date) by appearing verbatim in one of its
sentences, a sentence by its support score, and never by a sentence that names another year or figure.
A marker naming no passage is removed. A sentence its passage does not support has its citation moved
to a shown passage that does, or is flagged unverified. Citations are then renumbered in order of
appearance, each with the passage sentence it quotes.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..answer.prompts import NOT_COVERED
from ..question.reading import YEAR
from ..text import split_sentences
from ..types import Citation, Hit
from .scorer import ScoredSentence, SupportScorer

# [1], [1, 2], [1-3], [Passage 2], 【1】: the forms models write.
MARKERS = re.compile(r"\s*[\[【]\s*(?:passages?\s*)?(\d+(?:\s*(?:,|-|–|and)\s*\d+)*)\s*[\]】]", re.IGNORECASE)
_LIST_SEPARATOR = re.compile(r",\s+|\s+and\s+")  # "Susan Collins and Lisa Murkowski": a short claim naming two


@dataclass(frozen=True)
class CheckedAnswer:
    text: str
    citations: list[Citation]
    abstained: bool
    notes: list[str]

    @property
    def supported(self) -> int:
        return sum(1 for c in self.citations if c.verified)


def check_citations(raw: str, passages: Sequence[Hit], scorer: SupportScorer) -> CheckedAnswer:
    """Verify and renumber the citations of ``raw`` (markers count ``passages`` from 1)."""
    raw = raw.strip()
    if not raw or _says_not_covered(raw):
        return CheckedAnswer(NOT_COVERED, [], True, [])
    notes: list[str] = []
    citations: list[Citation] = []
    numbering: dict[tuple[str, int], int] = {}
    out: list[tuple[str, bool]] = []  # (sentence with markers, has a source)
    whole = MARKERS.sub("", raw)
    for sentence in _claims(raw):
        claim = MARKERS.sub("", sentence).strip()
        if not claim:
            continue
        cited = [n for group in MARKERS.findall(sentence) for n in _numbers(group)]
        valid = [n for n in dict.fromkeys(cited) if 1 <= n <= len(passages)]
        for n in set(cited) - set(valid):
            notes.append(f"removed citation [{n}]: no passage {n} was shown")
        checks = []
        short = len(claim.split()) <= scorer.settings.short_claim_words
        for n in valid:
            best = (short and _containing(claim, whole, passages[n - 1], scorer)) or scorer.best_support(claim, passages[n - 1])
            if best is not None:
                checks.append((n, best))
        supported = [(n, s) for n, s in checks if s.score >= scorer.settings.supported and _agrees(claim, s.text)]
        if not supported:
            moved = _best_passage(claim, passages, scorer)
            if moved is not None:
                if valid:
                    notes.append(f"moved citation of \"{_short(claim)}\" to the passage that supports it")
                supported = [moved]
        if supported:
            markers = [_number(numbering, citations, passages[n - 1], s, True) for n, s in supported]
        elif checks:
            notes.append(f"unsupported: \"{_short(claim)}\"")
            markers = [_number(numbering, citations, passages[n - 1], s, False) for n, s in checks]
        else:
            markers = []
        out.append((claim + "".join(f" [{m}]" for m in markers), bool(markers)))
    if any(c.verified for c in citations):
        # Once something is verified, a sentence no passage backs (or a stray "not covered") is dropped.
        for sentence, sourced in out:
            if not sourced:
                notes.append(f"dropped, no source: \"{_short(sentence)}\"")
        out = [(sentence, True) for sentence, sourced in out if sourced]
    else:
        notes += [f"no source for: \"{_short(sentence)}\"" for sentence, sourced in out if not sourced]
    return CheckedAnswer(" ".join(sentence for sentence, _ in out), citations, False, notes)


def _numbers(group: str) -> list[int]:
    """Passage numbers of a marker's inside: "1, 2", "1-3", "2 and 4"."""
    numbers: list[int] = []
    for part in re.split(r"\s*(?:,|and)\s*", group):
        bounds = [int(x) for x in re.split(r"\s*[-–]\s*", part) if x.strip()]
        if len(bounds) == 2 and 0 <= bounds[1] - bounds[0] < 20:
            numbers += range(bounds[0], bounds[1] + 1)
        else:
            numbers += bounds
    return numbers


def _claims(raw: str) -> list[str]:
    """Sentences of ``raw`` with their trailing markers; a marker the splitter put at the start of the
    next sentence ("... data. [1] Next ...") goes back to the sentence it follows."""
    claims: list[str] = []
    for start, end in split_sentences(raw):
        sentence = raw[start:end]
        lead = re.match(rf"^(?:{MARKERS.pattern})+", sentence, re.IGNORECASE)
        if lead and claims:
            claims[-1] += lead.group(0)
            sentence = sentence[lead.end():]
        if sentence.strip():
            claims.append(sentence)
    return claims


def _number(numbering: dict, citations: list[Citation], hit: Hit, sentence, verified: bool) -> int:
    key = (hit.chunk_id, sentence.start)
    if key not in numbering:
        numbering[key] = len(citations) + 1
        citations.append(Citation(n=numbering[key], hit=hit, quote=hit.text[sentence.start:sentence.end],
                                  quote_start=sentence.start, quote_end=sentence.end, verified=verified))
    elif verified and not citations[numbering[key] - 1].verified:
        # One quote cited by two claims: it is verified if it backs either, whichever came first.
        citations[numbering[key] - 1] = replace(citations[numbering[key] - 1], verified=True)
    return numbering[key]


def _containing(claim: str, whole: str, hit: Hit, scorer: SupportScorer) -> ScoredSentence | None:
    """The sentence of ``hit`` that holds the short ``claim`` ("Simona Halep") verbatim, fully supporting it;
    of several, the one closest to the ``whole`` answer (the sentence it goes on to quote). A list of names
    ("Susan Collins and Lisa Murkowski") is held by a sentence that holds each ("Susan Collins of Maine and
    Lisa Murkowski of Alaska")."""
    parts = _LIST_SEPARATOR.split(claim.strip(" ."))
    wanted = [_squeezed(part) for part in parts] if all(p[:1].isupper() for p in parts) else [_squeezed(claim)]
    holding = [s for s in scorer.sentences(whole, [hit])
               if all(wanted) and all(part in _squeezed(s.text) for part in wanted)]
    best = max(holding, key=lambda s: s.score, default=None)
    return replace(best, score=1.0) if best is not None else None


def _squeezed(text: str) -> str:
    return " ".join(text.casefold().replace("’", "'").split()).strip(" .,;:\"'“”")


def _agrees(claim: str, sentence: str) -> bool:
    """False when the cited ``sentence`` names years, or figures, and none of those in ``claim``: "revenue
    was $21.3bn in Q1 2023" does not back "Tesla's Q1 2021 revenue was $10.4bn", however alike they read."""
    for kind in (_years_in, _figures_in):
        claimed, named = kind(claim), kind(sentence)
        if claimed and named and not claimed & named:
            return False
    return True


def _years_in(text: str) -> set[str]:
    return set(YEAR.findall(text))


def _figures_in(text: str) -> set[str]:
    return {f for f in re.findall(r"\d+(?:\.\d+)?", text.replace(",", "")) if not YEAR.fullmatch(f)}


def _best_passage(claim: str, passages: Sequence[Hit], scorer: SupportScorer):
    best = max((s for s in scorer.sentences(claim, list(passages)) if _agrees(claim, s.text)),
               key=lambda s: s.score, default=None)
    return (best.passage + 1, best) if best is not None and best.score >= scorer.settings.supported else None


def _says_not_covered(text: str) -> bool:
    normal = " ".join(MARKERS.sub("", text).lower().split())
    return normal.startswith(NOT_COVERED.lower().rstrip(".")) or normal in {"i don't know.", "i don't know"}


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
