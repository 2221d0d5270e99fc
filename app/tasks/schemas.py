"""Shapes of verification tasks (staff API)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["TaskPage", "TaskPoint", "TaskRead", "TaskResolutionInput"]


class TaskPoint(BaseModel):
    id: str = Field(description="Public id of the point")
    name: str
    organization: str = Field(description="Slug of the organisation that keeps it")


class TaskRead(BaseModel):
    id: str
    kind: Literal["closed", "wrong_info", "safety"]
    status: Literal["open", "resolved"]
    warning: str | None = Field(
        default=None, description="The public warning the point shows while the task is open"
    )
    point: TaskPoint
    report_count: int = Field(description="Independent reports behind the task")
    first_report_at: dt.datetime
    last_report_at: dt.datetime
    opened_at: dt.datetime
    resolved_at: dt.datetime | None = None
    resolution: Literal["verified", "dismissed"] | None = None
    resolution_note: str | None = None
    resolved_by_user_id: str | None = None
    resolved_by_api_key_id: str | None = None


class TaskPage(BaseModel):
    items: list[TaskRead]
    next_cursor: str | None = None


class TaskResolutionInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resolution: Literal["verified", "dismissed"] = Field(
        description="`verified`: the point was checked (and corrected); "
        "`dismissed`: the reports were wrong"
    )
    note: str | None = Field(default=None, max_length=500)

    @field_validator("note")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None
