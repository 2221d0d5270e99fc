"""Shapes of the staff API of service points: the editable view, actions and history."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.public_points.schemas import ServicePointRead

__all__ = [
    "HistoryActor",
    "HistoryEntry",
    "HistoryPage",
    "PossibleDuplicateRead",
    "StaffPointPage",
    "StaffPointRead",
    "StatusChange",
    "TranslationRead",
    "VerifyRequest",
]

Status = Literal["draft", "published", "temporarily_closed", "permanently_closed"]


class TranslationRead(BaseModel):
    name: str
    description: str | None = None
    address: str | None = None
    documents_required: str | None = None
    accessibility: str | None = None
    updated_at: dt.datetime


class PossibleDuplicateRead(BaseModel):
    """An existing point that looks like the same place (same category, near, similar name)."""

    point_id: str
    name: str = Field(description="Its name that matched")
    distance_m: float
    similarity: float = Field(description="Name similarity, 0-100")


class StaffPointRead(ServicePointRead):
    """A point as its staff see it: every translation, its version, and its tombstone."""

    version: int = Field(description="Changes with every write; the ETag carries it")
    etag: str = Field(description="Send back in If-Match to change or delete the point")
    original_language: str
    translations: dict[str, TranslationRead]
    created_at: dt.datetime
    deleted_at: dt.datetime | None = Field(
        default=None, description="Set when the point was deleted (a tombstone)"
    )
    possible_duplicates: list[PossibleDuplicateRead] | None = Field(
        default=None,
        description="On create: points of the same category within ~50 m with a similar name "
        "(reported, never merged)",
    )


class StaffPointPage(BaseModel):
    items: list[StaffPointRead]
    next_cursor: str | None = None


class StatusChange(BaseModel):
    """Publish a draft, close a point (temporarily or for good) or reopen it."""

    model_config = ConfigDict(extra="forbid")

    status: Status


class VerifyRequest(BaseModel):
    """Stamp that the information was checked now.

    ``organization`` (platform administrators only) names the verifying organisation;
    by default it is the point's own organisation.
    """

    model_config = ConfigDict(extra="forbid")

    organization: str | None = Field(default=None, max_length=100)


class HistoryActor(BaseModel):
    credential: Literal["password", "api_key", "cli"]
    user_id: str | None = None
    email: str | None = None
    api_key_id: str | None = None
    api_key_name: str | None = None


class HistoryEntry(BaseModel):
    id: int
    at: dt.datetime
    action: str = Field(examples=["update", "translation.put", "status", "verify", "delete"])
    actor: HistoryActor
    organization: str | None = Field(default=None, description="Organisation acted for")
    changes: dict[str, list[Any]] = Field(description="{field: [before, after]}")


class HistoryPage(BaseModel):
    items: list[HistoryEntry]
    next_cursor: str | None = None
