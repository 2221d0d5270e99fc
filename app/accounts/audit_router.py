"""``GET /v1/audit``: the audit trail for administrators, filtered and paged (the face of
:mod:`app.audit`, kept with accounts because it authenticates through them)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import AwareDatetime

from app.access.principal import Principal
from app.access.roles import Role
from app.accounts.dependencies import STAFF_CACHE_CONTROL, require_role
from app.audit import query
from app.audit.schemas import AuditEventRead, AuditPage
from app.db import SessionDep
from app.web.problems import PROBLEM

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["audit"])


@router.get(
    "/audit",
    operation_id="searchAudit",
    summary="Audit events, newest first (platform admins: all; organisation admins: theirs)",
    response_model=AuditPage,
    response_model_exclude_none=True,
    responses={401: PROBLEM, 403: PROBLEM, 422: PROBLEM},
)
def search_audit(
    response: Response,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_role(Role.admin))],
    actor: Annotated[str | None, Query(max_length=64, description="A user or API key id")] = None,
    entity: Annotated[
        str | None, Query(max_length=120, description="An entity type, or type:id")
    ] = None,
    since: Annotated[AwareDatetime | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AuditPage:
    response.headers["Cache-Control"] = STAFF_CACHE_CONTROL
    rows, nxt = query.search(
        session,
        actor=principal,
        actor_id=actor,
        entity=entity,
        since=since.astimezone(dt.UTC) if since else None,
        cursor=cursor,
        limit=limit,
    )
    return AuditPage(
        items=[
            AuditEventRead(
                id=e.id,
                at=e.at,
                actor_user_id=e.actor_user_id,
                actor_api_key_id=e.actor_api_key_id,
                credential=e.credential,
                organization_id=e.organization_id,
                entity_type=e.entity_type,
                entity_id=e.entity_id,
                action=e.action,
                changes=e.changes,
            )
            for e in rows
        ],
        next_cursor=nxt,
    )
