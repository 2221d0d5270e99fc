"""Published shapes of sync pages and bundles (OpenAPI). Empty and null fields are omitted."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = [
    "BundleDocument",
    "BundleSignature",
    "CategoryRecord",
    "Deleted",
    "LabelRecord",
    "PointRecord",
    "SyncPage",
]


class PointTexts(BaseModel):
    name: str
    description: str | None = None
    address: str | None = None
    documents_required: str | None = None
    accessibility: str | None = None


class PointRecord(BaseModel):
    """A public point as an app keeps it offline (texts in each language sent)."""

    id: str = Field(description="Stable public id (UUID)")
    external_id: str | None = None
    location: dict[str, float] | None = Field(
        default=None,
        examples=[{"lat": 8.5126, "lon": -76.7821}],
        description="The public location: exact, the centre of the point's ~1 km grid cell "
        "(`approximate`), or absent (`hidden`)",
    )
    location_precision: Literal["approximate", "hidden"] | None = Field(
        default=None, description="Absent when exact (see the points API)"
    )
    country: str
    locality: str | None = None
    timezone: str | None = None
    categories: list[str]
    audiences: list[str] | None = None
    spoken_languages: list[str] | None = None
    contact: dict[str, Any] | None = None
    opening_hours: str | None = Field(default=None, description="OSM opening_hours syntax")
    free: bool | None = None
    status: Literal["published", "temporarily_closed"]
    organization: dict[str, str]
    source: dict[str, Any]
    verification: dict[str, Any] | None = None
    original_language: str
    texts: dict[str, PointTexts] = Field(description="Language tag -> texts")
    updated_at: dt.datetime
    version: int


class CategoryRecord(BaseModel):
    code: str
    parent: str | None = None
    icon: str | None = None
    order: int | None = None
    texts: dict[str, dict[str, str]]


class LabelRecord(BaseModel):
    """An audience (``name``) or a feedback tag (``label``, ``scope``, ``sentiment``)."""

    code: str
    scope: str | None = None
    sentiment: str | None = None
    order: int | None = None
    texts: dict[str, dict[str, str]]


class CountryRecord(BaseModel):
    code: str
    curated: bool | None = None
    details: dict[str, dict[str, Any]] = Field(
        description="Language tag -> the country's information as /v1/countries/{code} gives it"
    )


class Deleted(BaseModel):
    """Tombstones: ids to remove from the local copy."""

    points: list[str] | None = None
    categories: list[str] | None = None
    audiences: list[str] | None = None
    feedback_tags: list[str] | None = None


class SyncPage(BaseModel):
    format: Literal["rumbo-sync/1"]
    country: str | None = None
    langs: list[str] | None = None
    reset: bool | None = Field(
        default=None, description="First page of a snapshot: drop the local copy first"
    )
    points: list[PointRecord] | None = None
    categories: list[CategoryRecord] | None = None
    audiences: list[LabelRecord] | None = None
    feedback_tags: list[LabelRecord] | None = None
    countries: list[CountryRecord] | None = None
    deleted: Deleted | None = None
    generated_at: str = Field(description="When the page was made, to the hour (UTC; signed)")
    expires_at: str = Field(
        description="Until when it holds (signed): past it, apps warn but keep using it"
    )
    cursor: str = Field(description="Pass as `since` next time (or now, while `more`)")
    more: bool = Field(description="Another page is ready: sync again with `cursor` now")


class BundleDocument(BaseModel):
    """One country offline. As everywhere in sync, empty lists are left out."""

    format: Literal["rumbo-bundle/1"]
    country: str
    langs: list[str] | None = Field(default=None, description="Absent: every language")
    seq: int = Field(description="The change sequence the bundle reflects")
    generated_at: str = Field(description="When the bundle was made (UTC; signed)")
    expires_at: str = Field(
        description="Until when it holds (signed): past it, apps warn but keep using it"
    )
    cursor: str = Field(description="Continue with /v1/sync?country=..&since=<cursor>")
    stale_after_days: int = Field(
        description="A published point is stale when neither its verification."
        "last_verified_at nor its source.as_of date is within this many days"
    )
    countries: list[CountryRecord]
    categories: list[CategoryRecord] | None = None
    audiences: list[LabelRecord] | None = None
    feedback_tags: list[LabelRecord] | None = None
    points: list[PointRecord] | None = None


class BundleSignature(BaseModel):
    """Detached signature: Ed25519 over the decoded bundle bytes, by key ``kid``."""

    alg: Literal["Ed25519"]
    kid: str
    signature: str = Field(description="Base64")
    sha256: str = Field(description="Hex SHA-256 of the signed bytes")
    country: str
    langs: str = Field(description="Comma-separated tags, or * for every language")
    seq: int
    etag: str
