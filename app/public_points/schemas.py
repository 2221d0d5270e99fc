"""Public shapes of service points (JSON and GeoJSON): in full, and the list summary."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.i18n.content import LANG_FALLBACK
from app.service_points.schemas import AreaServiceRead, Contact, OrganizationRef, Source

__all__ = [
    "Location",
    "PointFeature",
    "PointFeatureCollection",
    "PointPage",
    "PointSearchPage",
    "PointSummaryPage",
    "ServicePointRead",
    "ServicePointSummary",
    "Verification",
    "VerificationSummary",
]

_STATUS = Literal["draft", "published", "temporarily_closed", "permanently_closed"]
_DISTANCE = "Great-circle distance from `near`, in whole metres"
_ALONG = "With `route`: distance along the route to the point's nearest location on it, metres"
_OFF_ROUTE = "With `route`: great-circle distance from the route, in whole metres"
_OPEN_NOW = "Open at the request time (or `at`), in the point's time zone; absent when unknown"
_WARNINGS = "Public warnings, e.g. recent reports that it closed"
_WARNING_TEXTS = (
    "The warnings said in the response language: reports by travellers, not confirmed "
    "until staff check the place"
)


class WarningTextRead(BaseModel):
    code: str = Field(examples=["reported_closed"])
    message: str = Field(
        examples=["Reported closed by travellers, not confirmed: it is being checked."]
    )
    lang: str


_STALE = (
    "Published, and neither verified by staff nor backed by a source as of the last 180 days "
    "(`RUMBO_STALE_AFTER_DAYS`): freshness counts from the later of "
    "`verification.last_verified_at` and `source.as_of`"
)


_ALERTS = (
    "Ids of the active alerts whose area covers the point, most severe first "
    "(GET /v1/alerts/{id}); absent when none"
)


class Location(BaseModel):
    """WGS 84 degrees, at most 6 decimals (about 10 cm)."""

    lat: float = Field(examples=[8.5126])
    lon: float = Field(examples=[-76.7821])


_LOCATION = (
    "Where the point is, as far as the public may know: exact, the centre of its ~1 km grid "
    "cell (`location_precision: approximate`), or absent (`hidden`)"
)
_PRECISION = (
    "`exact`; `approximate`: `location` is the centre of the ~1 km grid cell the point lies "
    "in, `distance_m` is rounded to 100 m and `distance_range_m` bounds the real distance, "
    "no street address; `hidden`: no location or address (shelters, safe houses), only "
    "contact channels"
)
_DISTANCE_RANGE = (
    "Approximate points only: the real distance lies in [min, max] metres (its grid cell)"
)
LocationPrecisionName = Literal["exact", "approximate", "hidden"]


class Verification(BaseModel):
    last_verified_at: dt.datetime | None = None
    verified_by: OrganizationRef | None = None
    stale: bool = Field(description=_STALE)


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
                "distance_m": 413,
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
    lang_fallback: bool = Field(description=LANG_FALLBACK)
    field_lang: dict[str, str] | None = Field(
        default=None, description="Fields served in another language than `lang`"
    )
    languages_available: list[str]
    location: Location | None = Field(default=None, description=_LOCATION)
    location_precision: LocationPrecisionName = Field(default="exact", description=_PRECISION)
    distance_m: int | None = Field(default=None, description=_DISTANCE)
    along_m: int | None = Field(default=None, description=_ALONG)
    off_route_m: int | None = Field(default=None, description=_OFF_ROUTE)
    distance_range_m: tuple[int, int] | None = Field(default=None, description=_DISTANCE_RANGE)
    country: str
    locality: str | None = None
    timezone: str | None = None
    categories: list[str]
    audiences: list[str] | None = None
    spoken_languages: list[str] | None = None
    contact: Contact | None = None
    opening_hours: str | None = Field(default=None, description="OSM opening_hours syntax")
    open_now: bool | None = Field(default=None, description=_OPEN_NOW)
    free: bool | None = None
    status: _STATUS
    organization: OrganizationRef
    source: Source
    verification: Verification
    warnings: list[str] | None = Field(default=None, description=_WARNINGS)
    warning_texts: list[WarningTextRead] | None = Field(default=None, description=_WARNING_TEXTS)
    alerts: list[str] | None = Field(default=None, description=_ALERTS)
    updated_at: dt.datetime = Field(description="Last change, in whole seconds (UTC)")


class VerificationSummary(BaseModel):
    stale: bool = Field(description=_STALE)


class ServicePointSummary(BaseModel):
    """A point as a list row or a map pin shows it (`view=summary`): each field is the full
    shape's field of the same name and meaning; the rest comes from `GET /v1/points/{id}`."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "3f0c6a2e-9a43-4bfb-9a39-6f0e3c7c2a11",
                "name": "Albergue de paso",
                "lang": "es",
                "lang_fallback": False,
                "location": {"lat": 8.5126, "lon": -76.7821},
                "categories": ["shelter"],
                "status": "published",
                "distance_m": 413,
                "open_now": True,
                "verification": {"stale": False},
            }
        }
    )

    id: str = Field(description="Stable public id (UUID)")
    name: str
    lang: str = Field(description="Language the name was served in")
    lang_fallback: bool = Field(description=LANG_FALLBACK)
    location: Location | None = Field(default=None, description=_LOCATION)
    location_precision: LocationPrecisionName = Field(default="exact", description=_PRECISION)
    categories: list[str]
    status: _STATUS
    distance_m: int | None = Field(default=None, description=_DISTANCE)
    along_m: int | None = Field(default=None, description=_ALONG)
    off_route_m: int | None = Field(default=None, description=_OFF_ROUTE)
    distance_range_m: tuple[int, int] | None = Field(default=None, description=_DISTANCE_RANGE)
    open_now: bool | None = Field(default=None, description=_OPEN_NOW)
    verification: VerificationSummary
    warnings: list[str] | None = Field(default=None, description=_WARNINGS)
    warning_texts: list[WarningTextRead] | None = Field(default=None, description=_WARNING_TEXTS)
    alerts: list[str] | None = Field(default=None, description=_ALERTS)


_NEXT_CURSOR = "Pass as `cursor` to get the next page; absent on the last"
_PAGE_LANG = (
    "The main language of the page: the first of Content-Language, which lists the "
    "languages of every item, the requested one first"
)


_AREA_SERVICES = (
    "With `near`, on the first page: the services whose area covers the place (hotlines, "
    "online services, mobile teams), apart from the points so that distance order stays "
    "honest; absent without `near` and when none covers the place"
)


class PointPage(BaseModel):
    """A page of points in full (`view=full`, the default)."""

    items: list[ServicePointRead]
    next_cursor: str | None = Field(default=None, description=_NEXT_CURSOR)
    area_services: list[AreaServiceRead] | None = Field(default=None, description=_AREA_SERVICES)
    lang: str = Field(description=_PAGE_LANG)


class PointSummaryPage(BaseModel):
    """A page of point summaries (`view=summary`)."""

    items: list[ServicePointSummary]
    next_cursor: str | None = Field(default=None, description=_NEXT_CURSOR)
    area_services: list[AreaServiceRead] | None = Field(default=None, description=_AREA_SERVICES)
    lang: str = Field(description=_PAGE_LANG)


PointSearchPage = PointPage | PointSummaryPage


class PointFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict[str, Any] | None = Field(
        description="A GeoJSON Point, `[lon, lat]`; null when the location is hidden"
    )
    properties: dict[str, Any] = Field(
        description="The point's fields but `id` and `location`: `ServicePointRead`'s, or "
        "`ServicePointSummary`'s with `view=summary`"
    )


class PointFeatureCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[PointFeature]
    numberReturned: int
    links: list[dict[str, str]] = Field(
        description="`rel: next` with the `href` of the next page (same query, new `cursor`)"
    )
    lang: str = Field(description=_PAGE_LANG)
