"""The one bound on how deeply JSON may nest, wherever JSON is read.

Parsers recurse per level: Python's ``json`` raises ``RecursionError`` near 1,000 levels and
orjson refuses more than 1,024. Nothing Rumbo reads (GeoJSON, HSDS, API bodies) needs more
than a dozen levels, so every reader refuses documents nested deeper than ``MAX_DEPTH``
with a 422 naming the place, well before any parser's own limit.

``exceeds(text)`` answers without parsing: a document with fewer brackets than the limit
cannot be too deep (one C-speed count); otherwise strings are skipped and brackets counted.
"""

from __future__ import annotations

import re

__all__ = ["MAX_DEPTH", "exceeds"]

MAX_DEPTH = 64

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def exceeds(text: str | bytes, limit: int = MAX_DEPTH) -> bool:
    """True when ``text`` (JSON, possibly broken) opens more than ``limit`` nested levels."""
    if isinstance(text, bytes):
        # Lossless, and quotes, backslashes and brackets are the same bytes in UTF-8.
        text = text.decode("latin-1")
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False
