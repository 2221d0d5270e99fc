"""The shapes of an area as the staff APIs take it (alerts, service areas). The geometry
itself (rings, validity, size) is checked by :mod:`app.geo.areas`, which names the failing
coordinates."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.country_codes import CountryCode
from app.geo.areas import MAX_CIRCLE_RADIUS_M

__all__ = ["AreaInput", "CircleArea", "CountriesArea", "MultiPolygonArea", "PolygonArea"]


class PolygonArea(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["Polygon"]
    coordinates: list[Any] = Field(description="GeoJSON polygon rings, [lon, lat]")


class MultiPolygonArea(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["MultiPolygon"]
    coordinates: list[Any] = Field(description="GeoJSON polygons, [lon, lat]")


class CircleArea(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["Circle"]
    center: tuple[
        Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)],
        Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)],
    ] = Field(description="[lon, lat] as in GeoJSON", examples=[[-77.36, 8.05]])
    radius_m: int = Field(ge=100, le=MAX_CIRCLE_RADIUS_M)


class CountriesArea(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["Countries"]
    countries: list[CountryCode] = Field(min_length=1, max_length=60, examples=[["PA"]])


AreaInput = Annotated[
    PolygonArea | MultiPolygonArea | CircleArea | CountriesArea, Field(discriminator="type")
]
