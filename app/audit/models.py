"""The audit trail: one append-only row per change, written in the same transaction.

Rows are never updated or deleted: there is no code path for it, and the migration adds
database triggers that refuse UPDATE and DELETE on ``audit_event``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow

__all__ = ["AuditEvent"]

EventKey = BigInteger().with_variant(Integer, "sqlite")


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_entity", "entity_type", "entity_id", "id"),
        Index("ix_audit_event_organization_id", "organization_id", "id"),
    )

    id: Mapped[int] = mapped_column(EventKey, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who: a person, an API key, or the command line; and how they authenticated.
    actor_user_id: Mapped[str | None] = mapped_column(String(36))
    actor_api_key_id: Mapped[str | None] = mapped_column(String(36))
    credential: Mapped[str] = mapped_column(String(20))
    organization_id: Mapped[str | None] = mapped_column(String(36))
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(50))
    # {field: [before, after]}
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
