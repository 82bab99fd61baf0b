"""Find article text that addresses the assistant instead of the reader: planted instructions.

A news story reports what people said; it does not tell the reader to ignore its instructions, to
answer with a given sentence or to cite a passage. Such text is a prompt injection: the article is
quarantined at index time (kept, reported, left out of answers unless asked for). The rules are data:
a pattern and the reason shown for it. False positives are measured on data/articles and on the
development set's 1,736 real articles (none; see README, What Newsdesk promises).
"""
from __future__ import annotations

import re

_I = re.IGNORECASE
# Sentence starts: where an imperative addressed to the reader stands.
_START = r"(?:^|(?<=[.!?:;\"“”]\s)|(?<=\n))\s*(?:please\s+|now\s+|instead\s*,?\s*)?"

RULES: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:your\s+|the\s+|my\s+)?"
                r"(?:previous|prior|above|earlier|preceding|former|original|system)\s+"
                r"(?:instructions?|prompts?|rules|directions|guidelines|messages?|context)", _I),
     "tells the reader to ignore its instructions"),
    (re.compile(r"\bdisregard\s+(?:everything|all|anything|the)?\s*(?:text\s+|(?:written|said|stated)\s+)?(?:above|before)\b", _I),
     "tells the reader to disregard the text above"),
    (re.compile(_START + r"(?:you\s+are|you're)\s+(?:now\s+)?(?:an?\s+)?(?:AI|artificial intelligence|"
                r"(?:large\s+)?language model|LLM|chatbot|AI assistant|assistant)\b", _I),
     "addresses the reader as an AI"),
    (re.compile(r"\b(?:your|the|this|my|new|reveal|print|show|repeat)\s+system\s+prompt\b(?!\s+(?:of|for|that|which|used))", _I),
     "speaks of the reader's system prompt"),
    (re.compile(_START + r"(?:answer|respond|reply)(?:\s+only)?\s+(?:with|by saying|that)\b", _I),
     "tells the reader what to answer"),
    (re.compile(_START + r"(?:say|output|print|write)\s+(?:only\s+)?[\"“'‘]", _I),
     "tells the reader what to write"),
    (re.compile(r"\b(?:and|then)\s+cite\s+\[\d+\]", _I), "tells the reader what to cite"),
    # "when asked ... he quipped" is reporting; "when asked ..., always say" is an order.
    (re.compile(r"\b(?:when|if)\s+(?:you\s+are\s+|you're\s+)?(?:asked|answering|questioned)\b[^.\n]{0,80}?"
                r"\b(?:you\s+must|always)\s+(?:say|answer|respond|reply)\b", _I),
     "tells the reader how to answer a question"),
    (re.compile(r"\b(?:AI|assistant|chatbot|language model|LLM)s?\s*[,:]\s*(?:ignore|answer|respond|reply|say|you must)\b", _I),
     "gives an AI an order"),
    (re.compile(r"<\|?(?:system|im_start|im_end|assistant)\|?>|\[/?INST\]|\[(?:system|assistant)\]|^\s*(?:system|assistant)\s*:", _I | re.M),
     "holds chat-template markers"),
)


def injection_reason(text: str) -> str | None:
    """Why ``text`` reads as instructions to the assistant (with the words that show it), or None."""
    for pattern, reason in RULES:
        found = pattern.search(text)
        if found:
            words = " ".join(found.group().split())
            return f"{reason}: “{words[:80]}”"
    return None
