"""Text normalisation shared by both full-text backends: no case, no diacritics."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MAX_QUERY_TOKENS", "normalise_text", "query_tokens"]

MAX_QUERY_TOKENS = 8
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def normalise_text(value: str) -> str:
    """Lowercase, accents removed: ``Albergue Belén`` -> ``albergue belen``."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def query_tokens(query: str) -> list[str]:
    """The words of a user query, normalised; punctuation and operators are dropped."""
    tokens = [t[:40] for t in _WORD.findall(normalise_text(query))]
    return tokens[:MAX_QUERY_TOKENS]
