"""Query parameters of the point search, parsed and validated into one ``PointQuery``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request

from app.country_codes import InvalidCountryCode, normalise_country
from app.errors import FieldError, ValidationProblem
from app.geo.params import parse_bbox, parse_lat_lon
from app.geo.route import MAX_CORRIDOR_M, Route, RouteError, parse_route
from app.geo.sphere import BBox
from app.geo.text import query_tokens
from app.i18n.tags import InvalidLanguageTag, normalise_tag
from app.i18n.texts import Text
from app.public_points.rendering import PointView

__all__ = ["DEFAULT_CORRIDOR_M", "PointQuery", "PointQueryDep"]

DEFAULT_CORRIDOR_M = 5_000


@dataclass(frozen=True, slots=True)
class PointQuery:
    near: tuple[float, float] | None
    radius_m: int
    bbox: BBox | None
    categories: tuple[str, ...]
    audiences: tuple[str, ...]
    spoken_languages: tuple[str, ...]
    countries: tuple[str, ...]
    open_now: bool
    at: dt.datetime
    free: bool | None
    verified_since: dt.date | None
    q: str | None
    limit: int
    cursor: str | None
    view: PointView = "full"
    route: Route | None = None
    corridor_m: int = DEFAULT_CORRIDOR_M

    @property
    def mode(self) -> str:
        """The kind of search, as the metrics count it."""
        if self.near:
            return "near"
        if self.bbox:
            return "bbox"
        if self.route:
            return "route"
        return "text" if self.q else "list"

    def fingerprint_parts(self) -> dict[str, object]:
        # The view is left out: it changes the shape of the items, not which points come in
        # which order, so a cursor stays valid when a client switches views.
        return {
            "near": self.near,
            "r": self.radius_m,
            "bbox": None
            if self.bbox is None
            else [self.bbox.min_lon, self.bbox.min_lat, self.bbox.max_lon, self.bbox.max_lat],
            "c": self.categories,
            "a": self.audiences,
            "sl": self.spoken_languages,
            "co": self.countries,
            "o": self.open_now,
            "fr": self.free,
            "v": self.verified_since.isoformat() if self.verified_since else None,
            "q": self.q,
            **(
                {"rt": self.route.canonical, "cw": self.corridor_m}
                if self.route is not None
                else {}
            ),
        }


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or []:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def _parse_route(raw: str, errors: list[FieldError]) -> Route | None:
    try:
        return parse_route(raw)
    except RouteError as exc:
        errors.append(FieldError(location="query", name="route", detail=str(exc)))
        return None


async def get_point_query(
    request: Request,
    near: Annotated[
        str | None,
        Query(
            description="Centre of a nearest-first search: `lat,lon`",
            examples=["8.41,-76.78"],
            max_length=64,
        ),
    ] = None,
    radius: Annotated[
        int | None,
        Query(
            description="Search radius in metres for `near` (default 25 km, max 500 km)",
            examples=[25000],
        ),
    ] = None,
    bbox: Annotated[
        str | None,
        Query(
            description=(
                "Map viewport `minLon,minLat,maxLon,maxLat`; may cross the antimeridian. "
                "Points come from the centre of the box outwards"
            ),
            examples=["-77.2,7.9,-76.4,8.8"],
            max_length=128,
        ),
    ] = None,
    route: Annotated[
        str | None,
        Query(
            description=(
                "Search along a route: a Google encoded polyline (precision 5) or "
                "`lon,lat;lon,lat;...`; at most 1,000 vertices and 5,000 km. Points within "
                "`corridor` metres of the line come in order along it, each with `along_m` and "
                "`off_route_m`"
            ),
            examples=["-76.73,8.51;-77.27,8.08;-79.52,8.98"],
            max_length=8_000,
        ),
    ] = None,
    corridor: Annotated[
        int | None,
        Query(
            description=f"Width each side of `route`, metres (default {DEFAULT_CORRIDOR_M}, "
            f"max {MAX_CORRIDOR_M})",
            examples=[5000],
        ),
    ] = None,
    category: Annotated[
        list[str] | None,
        Query(
            description="Category codes (repeat or comma-separate); a parent includes its children",
            examples=[["shelter", "health"]],
        ),
    ] = None,
    audience: Annotated[
        list[str] | None,
        Query(description="Audience codes; points serving any of them", examples=[["women"]]),
    ] = None,
    spoken_language: Annotated[
        list[str] | None,
        Query(
            description="BCP 47 tags of languages spoken on site; any of them", examples=[["ht"]]
        ),
    ] = None,
    country: Annotated[
        list[str] | None,
        Query(description="ISO 3166-1 alpha-2 codes", examples=[["CO", "PA"]]),
    ] = None,
    open_now: Annotated[
        bool | None,
        Query(
            description="`true`: only points open at `at` (default: now), in their own time "
            "zone. Leave it out for every point; `false` is refused (422), since no filter "
            "gives the points closed now (unknown hours are neither open nor closed)"
        ),
    ] = None,
    at: Annotated[
        dt.datetime | None,
        Query(
            description="Instant for `open_now`, ISO 8601 with offset",
            examples=["2026-03-09T16:30:00Z"],
        ),
    ] = None,
    free: Annotated[
        bool | None, Query(description="Only free (true) or paid (false) points")
    ] = None,
    verified_since: Annotated[
        dt.date | None, Query(description="Only points verified on or after this date")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            description="Words in any language, accent- and case-insensitive; also matches "
            "category names (`abri`, `shelter`, `albergue`)",
            max_length=200,
            examples=["albergue"],
        ),
    ] = None,
    limit: Annotated[int | None, Query(description="Page size (default 20, max 200)")] = None,
    cursor: Annotated[
        str | None, Query(description="`next_cursor` of the previous page", max_length=512)
    ] = None,
    view: Annotated[
        PointView,
        Query(
            description="`full` (default): every public field of each point "
            "(`ServicePointRead`); `summary`: what a list row or a map pin needs "
            "(`ServicePointSummary`: id, name, lang, lang_fallback, location, categories, "
            "status, distance_m, open_now, verification.stale, warnings)",
        ),
    ] = "full",
) -> PointQuery:
    # Async on purpose: parsing is pure CPU, so it runs on the event loop instead of
    # costing a thread-pool round trip on every search.
    settings = request.app.state.settings
    errors: list[FieldError] = []
    centre = parse_lat_lon(near, "near", errors) if near is not None else None
    box = parse_bbox(bbox, errors) if bbox is not None else None
    if near is not None and bbox is not None:
        errors.append(FieldError(location="query", name="bbox", detail=Text("bbox.with_near")))
    path = _parse_route(route, errors) if route is not None else None
    if route is not None and (near is not None or bbox is not None):
        errors.append(
            FieldError(location="query", name="route", detail="use one of near, bbox or route")
        )
    if corridor is not None and route is None:
        errors.append(FieldError(location="query", name="corridor", detail="corridor needs route"))
    if corridor is not None and not 1 <= corridor <= MAX_CORRIDOR_M:
        errors.append(
            FieldError(
                location="query",
                name="corridor",
                detail=f"must be between 1 and {MAX_CORRIDOR_M} metres",
            )
        )
    if radius is not None and not 1 <= radius <= settings.max_radius_m:
        errors.append(
            FieldError(
                location="query",
                name="radius",
                detail=Text("radius.range", max=settings.max_radius_m),
            )
        )
    if radius is not None and near is None:
        errors.append(FieldError(location="query", name="radius", detail=Text("radius.needs_near")))
    if limit is not None and not 1 <= limit <= settings.max_page_size:
        errors.append(
            FieldError(
                location="query",
                name="limit",
                detail=Text("limit.range", max=settings.max_page_size),
            )
        )
    spoken: list[str] = []
    for tag in _split(spoken_language):
        try:
            spoken.append(normalise_tag(tag))
        except InvalidLanguageTag as exc:
            errors.append(FieldError(location="query", name="spoken_language", detail=exc.text))
    countries: list[str] = []
    for code in _split(country):
        try:
            countries.append(normalise_country(code))
        except InvalidCountryCode as exc:
            errors.append(FieldError(location="query", name="country", detail=exc.text))
    if at is not None and at.tzinfo is None:
        errors.append(FieldError(location="query", name="at", detail=Text("at.offset")))
    text = q.strip() if q else None
    if text is not None and not query_tokens(text):
        errors.append(FieldError(location="query", name="q", detail=Text("q.no_words")))
    if open_now is False:
        errors.append(FieldError(location="query", name="open_now", detail=Text("open_now.false")))
    if errors:
        raise ValidationProblem(errors=errors)
    return PointQuery(
        near=centre,
        radius_m=radius or settings.default_radius_m,
        bbox=box,
        categories=tuple(_split(category)),
        audiences=tuple(_split(audience)),
        spoken_languages=tuple(spoken),
        countries=tuple(countries),
        open_now=bool(open_now),
        at=at or dt.datetime.now(dt.UTC),
        free=free,
        verified_since=verified_since,
        q=text or None,
        limit=limit or settings.default_page_size,
        cursor=cursor,
        view=view,
        route=path,
        corridor_m=corridor or DEFAULT_CORRIDOR_M,
    )


PointQueryDep = Annotated[PointQuery, Depends(get_point_query)]
