"""The measures, as plain functions of plain values: answer matching, ranking, facts, rates, percentiles.

Answer matching follows SQuAD: both texts are lower-cased, stripped of punctuation and of the
articles a/an/the, and their whitespace collapsed before comparing.
"""
from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence

_PUNCTUATION = set(string.punctuation) | set("‘’“”–—…")
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_answer(text: str) -> str:
    """Lower case, no punctuation, no articles (a, an, the), single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals a normalised gold answer."""
    normal = normalize_answer(prediction)
    return float(any(normal == normalize_answer(g) for g in golds))


def token_f1(prediction: str, golds: Sequence[str]) -> float:
    """The best F1 of the normalised tokens of the prediction against any gold answer."""
    return max((_f1(normalize_answer(prediction).split(), normalize_answer(g).split()) for g in golds), default=0.0)


def _f1(predicted: list[str], gold: list[str]) -> float:
    common = sum((Counter(predicted) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def contains_answer(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when a normalised gold answer occurs in the normalised prediction as whole words.

    Whole words, so that the gold answer "no" is not found inside "not".
    """
    normal = f" {normalize_answer(prediction)} "
    return float(any(g.strip() and f" {g} " in normal for g in map(normalize_answer, golds)))


def first_rank(ranked: Sequence[str], relevant: set[str]) -> int | None:
    """The 1-based rank of the first relevant item, or None when none is ranked."""
    return next((rank for rank, item in enumerate(ranked, 1) if item in relevant), None)


def hit_at(rank: int | None, n: int) -> float:
    """1.0 when the first relevant item is within the top ``n``."""
    return float(rank is not None and rank <= n)


def reciprocal_rank(rank: int | None, cutoff: int = 10) -> float:
    """1/rank of the first relevant item within the cutoff, else 0."""
    return 1.0 / rank if rank is not None and rank <= cutoff else 0.0


def facts_found(facts: Sequence[str], passages: Sequence[str]) -> list[bool]:
    """For each fact, whether it occurs in one of the passages, whitespace ignored (as MultiHop-RAG checks)."""
    squeezed = ["".join(p.split()) for p in passages]
    return [any("".join(f.split()) in p for p in squeezed) for f in facts]


def ratio(part: float, whole: float) -> float | None:
    """part/whole, or None when there is nothing to measure."""
    return part / whole if whole else None


def mean(values: Sequence[float | None]) -> float | None:
    """The mean of the values that are not None, or None when there are none."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100), interpolating linearly between ranks as numpy does; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)
