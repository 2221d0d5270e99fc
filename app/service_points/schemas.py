"""Shapes a point shares with the answers of other domains (alerts, service areas,
countries): who runs it, how to reach it, where its facts come from, and a service by the
area it serves. The public read shapes of a point are ``app.public_points.schemas``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

__all__ = ["AreaServiceRead", "Contact", "OrganizationRef", "Source"]


class Contact(BaseModel):
    phones: list[str] | None = Field(default=None, examples=[["+573001234567"]])
    email: str | None = None
    website: str | None = None
    whatsapp: str | None = None


class OrganizationRef(BaseModel):
    id: str = Field(description="Stable organisation id", examples=["iom"])
    name: str = Field(examples=["Organización Internacional para las Migraciones"])


class Source(BaseModel):
    title: str | None = None
    url: str | None = None
    publisher: str | None = None
    as_of: dt.date | None = Field(
        default=None,
        description="The date the source's facts are as of (publication or extract date). "
        "Not a verification: `verification.last_verified_at` is only set when staff verify.",
    )
    sample: bool = Field(
        description="True when the record is sample data that nobody has verified yet"
    )


_AREA = (
    'The area served: {"type": "Countries", "countries": [...]}, a GeoJSON Polygon or '
    'MultiPolygon (lon/lat), or {"type": "Circle", "center": [lon, lat], "radius_m": n}'
)


class AreaServiceRead(BaseModel):
    """A service by the area it serves (a hotline, an online service, a mobile team)."""

    id: str = Field(description="Stable public id (UUID)")
    external_id: str | None = None
    name: str
    description: str | None = None
    lang: str = Field(description="Language of the texts (BCP 47)")
    lang_fallback: bool = Field(description="The texts are not in a language you asked for")
    field_lang: dict[str, str] | None = Field(
        default=None, description="Fields served in another language than `lang`"
    )
    languages_available: list[str]
    area: dict[str, Any] = Field(description=_AREA)
    countries: list[str] = Field(description="Countries the area covers or touches")
    categories: list[str]
    spoken_languages: list[str] | None = None
    contact: Contact
    opening_hours: str | None = Field(default=None, description="OpenStreetMap syntax")
    free: bool | None = None
    status: str
    point: str | None = Field(default=None, description="Public id of its point, if it has one")
    organization: OrganizationRef
    source: Source
    updated_at: dt.datetime
