"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import text

from app import schema
from app.db import Database
from app.errors import ServiceUnavailable

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready"]
    database: str | None = Field(default=None, description="With RUMBO_READYZ_DETAILS only")
    schema_heads: list[str] | None = Field(
        default=None, description="With RUMBO_READYZ_DETAILS only"
    )


@router.get("/healthz", operation_id="getHealth", summary="The process is alive")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    operation_id="getReadiness",
    summary="The database is reachable and its schema is at the latest migration",
    response_model_exclude_none=True,
    responses={503: {"description": "Not ready", "content": {"application/problem+json": {}}}},
)
def readyz(request: Request) -> Readiness:
    """Which engine and migrations only with ``RUMBO_READYZ_DETAILS=true`` (an internal
    probe): the public learns no more than ready or not."""
    details = request.app.state.settings.readyz_details
    database: Database = request.app.state.database
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        heads = schema.current_heads(database.engine)
    except Exception as exc:
        raise ServiceUnavailable("The database is unreachable.") from exc
    expected = request.app.state.expected_heads
    if heads != expected:
        extra: dict[str, Any] = (
            {"current": sorted(heads), "expected": sorted(expected)} if details else {}
        )
        raise ServiceUnavailable(
            "The database schema is not at the latest migration; run `rumbo migrate`.", **extra
        )
    if not details:
        return Readiness(status="ready")
    return Readiness(status="ready", database=database.dialect, schema_heads=sorted(heads))
