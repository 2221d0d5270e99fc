"""Statements over alerts (no business rules here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from app.alerts.models import Alert, AlertStatus

__all__ = ["active", "by_public_id", "committed_version", "of_organizations", "published_heads"]

_PUBLISHED = AlertStatus.published.value


def by_public_id(session: Session, public_id: str) -> Alert | None:
    return session.scalars(select(Alert).where(Alert.public_id == public_id)).one_or_none()


def committed_version(session: Session, public_id: str) -> int | None:
    return session.scalar(select(Alert.version).where(Alert.public_id == public_id))


def _active_clause(now: dt.datetime) -> list[Any]:
    return [Alert.status == _PUBLISHED, Alert.expires_at > now, Alert.effective_at <= now]


def active(session: Session, now: dt.datetime) -> list[Alert]:
    """Published alerts in effect at ``now`` (expired ones are filtered here, never written)."""
    return list(session.scalars(select(Alert).where(*_active_clause(now))))


def published_heads(session: Session, now: dt.datetime) -> Sequence[Row[Any]]:
    """What coverage needs of the published, unexpired alerts: no texts, no ORM objects."""
    return session.execute(
        select(
            Alert.public_id,
            Alert.version,
            Alert.area,
            Alert.countries,
            Alert.category,
            Alert.severity,
            Alert.published_at,
            Alert.effective_at,
            Alert.expires_at,
        ).where(Alert.status == _PUBLISHED, Alert.expires_at > now)
    ).all()


def of_organizations(
    session: Session,
    *,
    organization_ids: list[str] | None,
    status: str | None,
    after_id: int | None,
    limit: int,
) -> list[Alert]:
    """Alerts of some organisations (every one for ``None``), by id."""
    stmt = select(Alert).order_by(Alert.id).limit(limit)
    if organization_ids is not None:
        stmt = stmt.where(Alert.organization_id.in_(organization_ids))
    if status is not None:
        stmt = stmt.where(Alert.status == status)
    if after_id is not None:
        stmt = stmt.where(Alert.id > after_id)
    return list(session.scalars(stmt))
