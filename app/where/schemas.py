"""The answer of ``GET /v1/where``."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from app.countries.boundaries import Surface
from app.countries.schemas import CountryRef, EmergencyNumberRead, SourceRead
from app.service_areas.schemas import AreaServiceRead

__all__ = ["NearestCountry", "WhereRead"]


class NearestCountry(CountryRef):
    distance_km: float = Field(description="To the drawn coastline (1:50m)", examples=[5.2])


class WhereRead(BaseModel):
    """Where a point is: the country, its time zone and local time, its emergency numbers."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "surface": "land",
                "country": {"code": "CR", "name": "Costa Rica", "lang": "es"},
                "curated": True,
                "timezone": "America/Costa_Rica",
                "local_time": "2026-11-29T04:23:31-06:00",
                "utc_offset": "-06:00",
                "emergency_numbers": [],
                "lang": "es",
            }
        }
    )

    surface: Surface = Field(
        description="land, sea (clear of land by a few km), or disputed; a town is never sea"
    )
    country: CountryRef | None = Field(
        description="The country of the time zone there: on land, or the coastal state in its "
        "territorial sea; None in international waters or a disputed area"
    )
    nearest_country: NearestCountry | None = Field(
        default=None,
        description="At sea: the nearest coast within 25 km (the coastal state's, in its "
        "waters), if any",
    )
    curated: bool = Field(description="True when curated information exists for the country")
    timezone: str | None = Field(examples=["America/Panama"])
    local_time: dt.datetime | None
    utc_offset: str | None = Field(examples=["-05:00"])
    emergency_numbers: list[EmergencyNumberRead] = Field(
        description="Of the country (the time zone's), or of the nearest country at sea"
    )
    alerts: list[str] = Field(
        default_factory=list,
        description="Ids of the active alerts covering the place, most severe first",
    )
    area_services: list[AreaServiceRead] = Field(
        default_factory=list,
        description="Services whose area covers the place: national hotlines, online services, "
        "mobile teams (`GET /v1/area-services`)",
    )
    boundaries: SourceRead
    lang: str
