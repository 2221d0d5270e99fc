"""Query parameters of ``GET /v1/alerts``, parsed into one object (one 422 naming each)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

from app.alerts.models import AlertCategory
from app.country_codes import InvalidCountryCode, normalise_country
from app.errors import FieldError, ValidationProblem
from app.geo.params import parse_bbox as _parse_bbox
from app.geo.params import parse_lat_lon
from app.geo.sphere import BBox

__all__ = ["AlertQuery", "AlertQueryDep"]

MAX_LIMIT = 200


@dataclass(frozen=True, slots=True)
class AlertQuery:
    near: tuple[float, float] | None
    bbox: BBox | None
    countries: tuple[str, ...]
    categories: tuple[str, ...]
    limit: int


def _split(raw: list[str] | None) -> list[str]:
    return [v.strip() for value in raw or [] for v in value.split(",") if v.strip()]


async def get_alert_query(
    near: Annotated[
        str | None,
        Query(description="Alerts covering this place: `lat,lon`", max_length=64),
    ] = None,
    bbox: Annotated[
        str | None,
        Query(description="Alerts reaching into `minLon,minLat,maxLon,maxLat`", max_length=128),
    ] = None,
    country: Annotated[
        list[str] | None, Query(description="ISO 3166-1 alpha-2 (any of)", max_length=200)
    ] = None,
    category: Annotated[
        list[str] | None,
        Query(description=f"Any of: {', '.join(c.value for c in AlertCategory)}", max_length=200),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="At most this many")] = 50,
) -> AlertQuery:
    errors: list[FieldError] = []
    centre = parse_lat_lon(near, "near", errors) if near is not None else None
    box = _parse_bbox(bbox, errors) if bbox is not None else None
    if near is not None and bbox is not None:
        errors.append(FieldError(location="query", name="bbox", detail="use either near or bbox"))
    countries: list[str] = []
    for raw in _split(country)[:50]:
        try:
            countries.append(normalise_country(raw))
        except InvalidCountryCode as exc:
            errors.append(FieldError(location="query", name="country", detail=str(exc)))
    categories = _split(category)[:20]
    known = {c.value for c in AlertCategory}
    for code in categories:
        if code not in known:
            errors.append(
                FieldError(
                    location="query",
                    name="category",
                    detail=f"unknown category {code[:50]!r}; one of {', '.join(sorted(known))}",
                )
            )
    if errors:
        raise ValidationProblem("; ".join(f"{e.name}: {e.detail}" for e in errors), errors=errors)
    return AlertQuery(
        near=centre,
        bbox=box,
        countries=tuple(countries),
        categories=tuple(categories),
        limit=limit,
    )


AlertQueryDep = Annotated[AlertQuery, Depends(get_alert_query)]
