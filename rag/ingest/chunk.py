"""Cut an article into passages of about ``max_tokens`` tiktoken tokens at sentence boundaries.

Consecutive passages overlap by whole sentences (up to ``overlap_tokens``), so a fact that
straddles a boundary is whole in at least one passage. Each chunk keeps its character span in the
cleaned text, for highlighting.
"""
from __future__ import annotations

from ..config import ChunkSettings
from ..text import split_sentences
from ..types import Article, Chunk
from .tokens import get_encoding


def chunk_article(article: Article, settings: ChunkSettings = ChunkSettings()) -> list[Chunk]:
    """The passages of ``article``, in order; ``chunk.text == article.text[chunk.start:chunk.end]``."""
    encoding = get_encoding(settings.encoding)
    units = _units(article.text, settings.max_tokens, encoding)
    chunks: list[Chunk] = []
    i = 0
    while i < len(units):
        j, tokens = i, 0
        while j < len(units) and (j == i or tokens + units[j][2] <= settings.max_tokens):
            tokens += units[j][2]
            j += 1
        start, end = units[i][0], units[j - 1][1]
        chunks.append(Chunk(
            id=f"{article.id}#{len(chunks)}", article_id=article.id, ordinal=len(chunks),
            text=article.text[start:end], start=start, end=end, n_tokens=tokens,
        ))
        if j >= len(units):
            break
        # Step back over whole sentences for the overlap, but always move forward.
        back, overlap = j, 0
        while back - 1 > i and overlap + units[back - 1][2] <= settings.overlap_tokens:
            back -= 1
            overlap += units[back][2]
        i = back
    return chunks


def embedding_text(article: Article, chunk: Chunk) -> str:
    """What is embedded and indexed for a chunk: the title and date first, so a passage deep in a
    story still matches questions about its subject."""
    dated = f" ({article.published.isoformat()})" if article.published else ""
    return f"{article.title}{dated}\n{chunk.text}"


def _units(text: str, max_tokens: int, encoding) -> list[tuple[int, int, int]]:
    """Sentences as (start, end, tokens); a sentence longer than a chunk is cut at word ends."""
    units = []
    for start, end in split_sentences(text):
        n = len(encoding.encode(text[start:end], disallowed_special=()))
        if n <= max_tokens:
            units.append((start, end, n))
            continue
        piece_start, piece_tokens, cursor = start, 0, start
        for word_end in _word_ends(text, start, end):
            n_word = len(encoding.encode(text[cursor:word_end], disallowed_special=()))
            if piece_tokens and piece_tokens + n_word > max_tokens:
                units.append((piece_start, cursor, piece_tokens))
                piece_start, piece_tokens = cursor, 0
            piece_tokens += n_word
            cursor = word_end
        units.append((piece_start, end, piece_tokens))
    return units


def _word_ends(text: str, start: int, end: int):
    i = start
    while i < end:
        while i < end and text[i].isspace():
            i += 1
        while i < end and not text[i].isspace():
            i += 1
        yield i
