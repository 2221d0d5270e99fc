"""Public and staff shapes of an alert."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.service_points.schemas import OrganizationRef  # one shape for every answer

__all__ = [
    "AlertPage",
    "AlertRead",
    "AlertSource",
    "OrganizationRef",
    "StaffAlertPage",
    "StaffAlertRead",
    "StaffTranslationRead",
]

PublicState = Literal["scheduled", "active", "expired", "cancelled", "draft"]


class AlertSource(BaseModel):
    url: str | None = None
    title: str | None = None
    sample: bool = Field(description="True for sample data that nobody has verified")


class AlertRead(BaseModel):
    """An alert in the best language for the request, each text falling back on its own."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "6f1c2d9e-8a1b-4c3d-9e0f-1a2b3c4d5e6f",
                "category": "weather_hazard",
                "category_label": "Clima y amenaza natural",
                "severity": "Severe",
                "urgency": "Immediate",
                "certainty": "Observed",
                "title": "Río Tuquesa crecido: no cruzar",
                "lang": "es",
                "lang_fallback": False,
                "languages_available": ["en", "es", "fr"],
                "area": {"type": "Circle", "center": [-77.6, 8.1], "radius_m": 30000},
                "countries": ["PA"],
                "effective": "2026-12-07T06:00:00Z",
                "expires": "2026-12-09T06:00:00Z",
                "state": "active",
            }
        }
    )

    id: str
    category: str
    category_label: str
    severity: str
    urgency: str
    certainty: str
    title: str
    body: str | None = None
    instructions: str | None = None
    area_description: str | None = None
    lang: str
    lang_fallback: bool
    field_lang: dict[str, str] | None = None
    languages_available: list[str]
    area: dict[str, Any] = Field(description="GeoJSON Polygon/MultiPolygon, Circle or Countries")
    countries: list[str] = Field(description="Countries the area covers or touches")
    effective: dt.datetime
    expires: dt.datetime = Field(description="Drop the alert at this time, even offline")
    state: PublicState
    organization: OrganizationRef
    source: AlertSource
    published_at: dt.datetime | None = None
    updated_at: dt.datetime


class AlertPage(BaseModel):
    items: list[AlertRead]
    lang: str


class StaffTranslationRead(BaseModel):
    title: str
    body: str | None = None
    instructions: str | None = None
    area_description: str | None = None
    updated_at: dt.datetime


class StaffAlertRead(AlertRead):
    """An alert as its organisation's staff see it: every language, version and ETag."""

    status: Literal["draft", "published", "cancelled"]
    version: int
    etag: str
    original_language: str
    translations: dict[str, StaffTranslationRead]
    needs_second_person: bool = Field(
        description="Severe or Extreme: someone other than its authors must publish it"
    )
    created_at: dt.datetime
    cancelled_at: dt.datetime | None = None


class StaffAlertPage(BaseModel):
    items: list[StaffAlertRead]
    next_cursor: str | None = None


class PushKey(BaseModel):
    public_key: str = Field(description="VAPID application server key (base64url, P-256)")


class PushKeysInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    p256dh: str = Field(min_length=80, max_length=200, pattern=r"^[A-Za-z0-9_-]+=*$")
    auth: str = Field(min_length=16, max_length=100, pattern=r"^[A-Za-z0-9_-]+=*$")


class PushSubscriptionInput(BaseModel):
    """What ``PushSubscription.toJSON()`` gives in a browser (``expirationTime`` ignored)."""

    model_config = ConfigDict(extra="forbid")

    endpoint: str = Field(min_length=10, max_length=1000)
    expirationTime: int | None = None  # the Push API's name
    keys: PushKeysInput


class SubscribeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subscription: PushSubscriptionInput
    topics: list[str] = Field(
        min_length=1, max_length=20, examples=[["country:PA", "category:scam"]]
    )


class SubscriptionRead(BaseModel):
    topics: list[str]
    expires_at: dt.datetime = Field(description="Subscribe again before this time to renew")


class UnsubscribeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    endpoint: str = Field(min_length=10, max_length=1000)
