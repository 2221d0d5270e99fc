"""Languages added or enabled: the points a new language reads differently get their rows.

Points, their texts and lists, and organisation renames reach :func:`app.documents.
building.refresh` from the change log's session listener (``app.sync.tracking``) and from
the bulk writer (``app.service_points.bulk``, through the batch hook installed here); a
language is no synced record, so it has listeners of its own, installed with the change
log's (every path that writes a ``language`` row goes through the ORM: seed, console,
tests).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from app.documents.building import refresh_batch, refresh_language
from app.languages.models import Language
from app.service_points import bulk

__all__ = ["install", "uninstall"]

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


_LISTENERS = (("before_flush", _before_flush), ("after_flush", _after_flush))


def _refresh_batch(session: Session, batch: bulk.WrittenBatch) -> None:
    refresh_batch(session, batch)


def install(target: Any = Session) -> None:
    """Keep documents current beside the change log's listeners (``app.sync.tracking.
    install`` calls this): languages added or enabled, and every bulk write batch."""
    for name, fn in _LISTENERS:
        if not event.contains(target, name, fn):
            event.listen(target, name, fn)
    if _refresh_batch not in bulk.BATCH_HOOKS:
        bulk.BATCH_HOOKS.append(_refresh_batch)


def uninstall(target: Any = Session) -> None:
    for name, fn in _LISTENERS:
        if event.contains(target, name, fn):
            event.remove(target, name, fn)
    if _refresh_batch in bulk.BATCH_HOOKS:
        bulk.BATCH_HOOKS.remove(_refresh_batch)
