"""Shapes of the audit trail API (``GET /v1/audit``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

__all__ = ["AuditEventRead", "AuditPage"]


class AuditEventRead(BaseModel):
    id: int
    at: dt.datetime
    actor_user_id: str | None = None
    actor_api_key_id: str | None = None
    credential: str
    organization_id: str | None = None
    entity_type: str
    entity_id: str
    action: str
    changes: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEventRead]
    next_cursor: str | None = None
