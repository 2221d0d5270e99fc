"""Languages added or enabled: the points a new language reads differently get their rows.

Points, their texts and lists, and organisation renames reach :func:`app.documents.
building.refresh` from the change log's session listener (``app.sync.tracking``) and from
the bulk writer (``app.service_points.bulk``); a language is no synced record, so it has
this listener of its own (every path that writes a ``language`` row goes through the ORM:
seed, console, tests).
"""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from app.documents.building import refresh_language
from app.languages.models import Language

__all__: list[str] = []

_PENDING = "rumbo.documents.languages"


def _before_flush(session: Session, _context: UOWTransaction, _instances: object) -> None:
    tags: set[str] = set()
    for obj in (*session.new, *session.dirty):
        if not isinstance(obj, Language):
            continue
        if obj in session.new or inspect(obj).attrs.enabled.history.has_changes():
            tags.add(obj.tag)
    if tags:
        session.info.setdefault(_PENDING, set()).update(tags)


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    tags: set[str] = session.info.pop(_PENDING, set())
    for tag in sorted(tags):
        refresh_language(session, tag)


event.listen(Session, "before_flush", _before_flush)
event.listen(Session, "after_flush", _after_flush)
