"""Public shapes of service points (JSON and GeoJSON)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Contact",
    "Location",
    "OrganizationRef",
    "PointFeature",
    "PointFeatureCollection",
    "PointPage",
    "ServicePointRead",
    "Source",
    "Verification",
]


class Location(BaseModel):
    lat: float = Field(examples=[8.5126])
    lon: float = Field(examples=[-76.7821])


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
    sample: bool = Field(
        description="True when the record is sample data that nobody has verified yet"
    )


class Verification(BaseModel):
    last_verified_at: dt.datetime | None = None
    verified_by: OrganizationRef | None = None
    stale: bool = Field(description="Published and not verified in the last 180 days")


class ServicePointRead(BaseModel):
    """A service point in one language, with the languages it is available in."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "3f0c6a2e-9a43-4bfb-9a39-6f0e3c7c2a11",
                "name": "Albergue de paso",
                "lang": "es",
                "languages_available": ["en", "es", "fr"],
                "location": {"lat": 8.5126, "lon": -76.7821},
                "distance_m": 412.7,
                "categories": ["shelter"],
                "status": "published",
                "open_now": True,
            }
        }
    )

    id: str = Field(description="Stable public id (UUID)")
    external_id: str | None = Field(default=None, description="Id in the source system")
    name: str
    description: str | None = None
    address: str | None = None
    documents_required: str | None = None
    accessibility: str | None = None
    lang: str = Field(description="Language the texts were served in")
    lang_fallback: bool = Field(description="True when the requested language was not available")
    field_lang: dict[str, str] | None = Field(
        default=None, description="Fields served in another language than `lang`"
    )
    languages_available: list[str]
    location: Location
    distance_m: float | None = Field(default=None, description="Great-circle metres from `near`")
    country: str
    locality: str | None = None
    timezone: str | None = None
    categories: list[str]
    audiences: list[str] | None = None
    spoken_languages: list[str] | None = None
    contact: Contact | None = None
    opening_hours: str | None = Field(default=None, description="OSM opening_hours syntax")
    open_now: bool | None = Field(
        default=None, description="Open at the request time (or `at`), in the point's time zone"
    )
    free: bool | None = None
    status: Literal["draft", "published", "temporarily_closed", "permanently_closed"]
    organization: OrganizationRef
    source: Source
    verification: Verification
    warnings: list[str] | None = Field(
        default=None, description="Public warnings, e.g. recent reports that it closed"
    )
    updated_at: dt.datetime


class PointPage(BaseModel):
    items: list[ServicePointRead]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; absent on the last"
    )
    lang: str = Field(description="The response language (also in Content-Language)")


class PointFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict[str, Any]
    properties: dict[str, Any]


class PointFeatureCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[PointFeature]
    numberReturned: int
    links: list[dict[str, str]]
