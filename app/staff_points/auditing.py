"""The audit trail of staff writes: every audited field before and after, recorded in the
request's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.access.principal import Principal
from app.audit import service as audit
from app.service_points import state
from app.service_points.models import ServicePoint
from app.service_points.state import ENTITY

__all__ = ["record", "snapshot"]


def snapshot(point: ServicePoint) -> dict[str, Any]:
    """Every audited field of a point, translations flattened as ``translations.<lang>.<f>``."""
    return state.snapshot(state.state_of(point))


def record(
    session: Session,
    principal: Principal,
    point: ServicePoint,
    action: str,
    before: dict[str, Any],
) -> None:
    audit.record(
        session,
        actor=principal,
        organization_id=point.organization_id,
        entity_type=ENTITY,
        entity_id=point.public_id,
        action=action,
        changes=audit.diff(before, snapshot(point)),
    )
