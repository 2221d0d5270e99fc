"""Statements over the audit trail: insert and read. There is deliberately no update or delete."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent

__all__ = ["add", "add_many", "events_for"]


def add(session: Session, event: AuditEvent) -> AuditEvent:
    session.add(event)
    session.flush()
    return event


def add_many(session: Session, events: Sequence[dict[str, Any]]) -> None:
    """Append many events (column values) in one executemany, without ORM objects."""
    if events:
        session.execute(insert(AuditEvent), list(events))


def events_for(
    session: Session, *, entity_type: str, entity_id: str, after_id: int | None, limit: int
) -> list[AuditEvent]:
    """Events of one entity, oldest first, after ``after_id``."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id)
        .limit(limit)
    )
    if after_id is not None:
        stmt = stmt.where(AuditEvent.id > after_id)
    return list(session.scalars(stmt))
