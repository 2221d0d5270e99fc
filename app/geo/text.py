"""Text normalisation shared by both full-text backends: no case, no diacritics."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["MAX_QUERY_TOKENS", "normalise_text", "query_tokens"]

MAX_QUERY_TOKENS = 8
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def normalise_text(value: str) -> str:
    """Lowercase, accents removed: ``Albergue Belén`` -> ``albergue belen``.

    Both steps work character by character and a space stops the reordering of combining
    marks, so a text is normalised word by word (words repeat: each is done once)."""
    if value.isascii():
        return value.casefold()
    return " ".join([_normalise_word(word) for word in value.split(" ")])


@lru_cache(maxsize=16384)
def _normalise_word(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def query_tokens(query: str) -> list[str]:
    """The words of a user query, normalised; punctuation and operators are dropped."""
    tokens = [t[:40] for t in _WORD.findall(normalise_text(query))]
    return tokens[:MAX_QUERY_TOKENS]
