"""Recording changes (``record``), comparing snapshots (``diff``) and reading an entity's history.

Every write service calls ``record`` in the same transaction as the change, so a change and
its audit event are committed (or rolled back) together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.access.principal import Principal
from app.audit import repository
from app.audit.models import AuditEvent
from app.db import utcnow

__all__ = ["Change", "diff", "history", "jsonable", "record", "record_many"]

_PLAIN = (str, int, float, bool, type(None))


def jsonable(value: Any) -> Any:
    """A JSON-friendly copy of a snapshot value (datetimes as ISO 8601)."""
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for every field whose value differs (JSON-friendly)."""
    if not before:  # a creation: every field that has a value
        return {
            key: [None, value]
            for key in sorted(after)
            if (value := jsonable(after[key])) is not None
        }
    changes: dict[str, list[Any]] = {}
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old is new or old == new:
            continue
        old, new = jsonable(old), jsonable(new)
        if old != new:
            changes[key] = [old, new]
    return changes


def record(
    session: Session,
    *,
    actor: Principal,
    organization_id: str | None,
    entity_type: str,
    entity_id: str,
    action: str,
    changes: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event: who (and through which credential), what, on what, when."""
    event = AuditEvent(
        actor_user_id=actor.user_id,
        actor_api_key_id=actor.api_key_id,
        credential=actor.credential,
        organization_id=organization_id,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        changes=jsonable(dict(changes or {})),
    )
    return repository.add(session, event)


@dataclass(frozen=True, slots=True)
class Change:
    """One event of :func:`record_many`: what happened to which entity (``changes`` as
    :func:`diff` gives them: JSON-friendly already)."""

    organization_id: str | None
    entity_type: str
    entity_id: str
    action: str
    changes: Mapping[str, Any]


def record_many(session: Session, *, actor: Principal, events: Iterable[Change]) -> None:
    """Append one event per change, as :func:`record` would, in one statement (imports)."""
    at = utcnow()
    repository.add_many(
        session,
        [
            {
                "at": at,
                "actor_user_id": actor.user_id,
                "actor_api_key_id": actor.api_key_id,
                "credential": actor.credential,
                "organization_id": e.organization_id,
                "entity_type": e.entity_type,
                "entity_id": e.entity_id,
                "action": e.action,
                "changes": e.changes,
            }
            for e in events
        ],
    )


def history(
    session: Session, *, entity_type: str, entity_id: str, after_id: int | None, limit: int
) -> list[AuditEvent]:
    """An entity's events, oldest first (``limit`` + 1 fetched by callers that page)."""
    return repository.events_for(
        session, entity_type=entity_type, entity_id=entity_id, after_id=after_id, limit=limit
    )
