"""The texts of the public warnings that open tasks put on points (``warnings`` in
seed/feedback_tags.json, next to the feedback tags that lead to them).

Owned by tasks (which decide which warning a point carries, ``WARNING_FOR_KIND``); feedback
lists the same texts with its tags.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import orjson

__all__ = ["WARNINGS_FILE", "warning_messages"]

WARNINGS_FILE = Path(__file__).resolve().parents[2] / "seed" / "feedback_tags.json"


@lru_cache(maxsize=4)
def warning_messages(path: Path = WARNINGS_FILE) -> dict[str, dict[str, str]]:
    """warning code -> {language: message}."""
    warnings: dict[str, dict[str, str]] = orjson.loads(path.read_bytes()).get("warnings", {})
    return warnings
