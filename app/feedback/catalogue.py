"""The fixed list of feedback tags (seed/feedback_tags.json).

Tags are loaded into the database by the seed (``load_tags``, idempotent) so feedback rows
can reference them. The warning texts in the same file are read by
:mod:`app.tasks.warnings` (tasks put the warnings on points).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.orm import Session

from app.feedback import repository
from app.feedback.models import FeedbackTag, FeedbackTagTranslation, Signal, TagScope

__all__ = ["TAGS_FILE", "load_tags"]

TAGS_FILE = Path(__file__).resolve().parents[2] / "seed" / "feedback_tags.json"


def _read(path: Path) -> dict[str, Any]:
    content: dict[str, Any] = orjson.loads(path.read_bytes())
    return content


def load_tags(session: Session, path: Path = TAGS_FILE) -> set[str]:
    """Create or update every tag and its labels; returns the languages used."""
    langs: set[str] = set()
    for order, item in enumerate(_read(path)["tags"]):
        scope = TagScope(item["scope"]).value
        signal = Signal(item["signal"]).value if item.get("signal") else None
        tag = repository.tag(session, item["code"])
        if tag is None:
            tag = FeedbackTag(code=item["code"])
            session.add(tag)
        tag.scope, tag.signal, tag.sentiment, tag.sort_order = (
            scope,
            signal,
            item["sentiment"],
            order,
        )
        tag.translations = [
            FeedbackTagTranslation(lang=lang, label=label) for lang, label in item["labels"].items()
        ]
        langs.update(item["labels"])
        session.flush()
    return langs
