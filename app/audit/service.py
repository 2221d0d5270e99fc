"""Recording changes (``record``), comparing snapshots (``diff``) and reading an entity's history.

Every write service calls ``record`` in the same transaction as the change, so a change and
its audit event are committed (or rolled back) together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from app.accounts.principal import Principal
from app.audit import repository
from app.audit.models import AuditEvent

__all__ = ["diff", "history", "jsonable", "record"]


def jsonable(value: Any) -> Any:
    """A JSON-friendly copy of a snapshot value (datetimes as ISO 8601)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for every field whose value differs."""
    changes: dict[str, list[Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = jsonable(before.get(key)), jsonable(after.get(key))
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


def history(
    session: Session, *, entity_type: str, entity_id: str, after_id: int | None, limit: int
) -> list[AuditEvent]:
    """An entity's events, oldest first (``limit`` + 1 fetched by callers that page)."""
    return repository.events_for(
        session, entity_type=entity_type, entity_id=entity_id, after_id=after_id, limit=limit
    )
