"""The search's parameters as the hot path reads them: the whole query string in one pass.

:func:`parse_query` gives a :class:`~app.public_points.dependencies.PointQuery` for a plain,
valid search the stored documents answer, or None for anything else (the route then parses
the request as declared, and refuses what it refuses).
"""

from __future__ import annotations

import datetime as dt
import re

from starlette.requests import Request

from app.country_codes import InvalidCountryCode, normalise_country
from app.errors import FieldError
from app.geo.params import parse_lat_lon
from app.geo.route import MAX_CORRIDOR_M, RouteError, parse_route
from app.geo.sphere import BBox
from app.geo.text import query_tokens
from app.i18n.tags import InvalidLanguageTag, normalise_tag
from app.public_points.dependencies import DEFAULT_CORRIDOR_M, PointQuery

__all__ = ["lean_query", "parse_at", "parse_query"]

# Parameters the hot path reads (each at most once); any other sends the request on.
_SCALARS = {
    "near": 64,
    "radius": 16,
    "bbox": 128,
    "q": 200,
    "limit": 16,
    "cursor": 512,
    "view": 16,
    "free": 8,
    "lang": 35,
    "route": 8_000,
    "corridor": 16,
    "open_now": 8,
    "at": 40,
}
_LISTS = ("category", "audience", "spoken_language", "country")


def _int(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def _split(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


# ``at`` in the one spelling read here: date, ``T``, time to the minute or the second (and
# up to six decimals) and an offset; pydantic reads it as the same instant. Anything else
# (a date alone, an epoch number, ``t``/``z``, ``+0530`` ...) is the route's to parse.
_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})")


def parse_at(raw: str) -> dt.datetime | None:
    """``at`` as the route reads it, or None when the route must read it."""
    if not _AT.fullmatch(raw):
        return None
    try:
        return dt.datetime.fromisoformat(raw)
    except ValueError:
        return None


def _bbox(raw: str) -> BBox | None:
    """A viewport as the route parses it, or None (the route then says what is wrong)."""
    parts = raw.split(",")
    if len(parts) != 4:
        return None
    try:
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
    except ValueError:
        return None
    values = (min_lon, min_lat, max_lon, max_lat)
    if not all(v == v and abs(v) != float("inf") for v in values):
        return None
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        return None
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90) or min_lat > max_lat:
        return None
    return BBox(min_lon, min_lat, max_lon, max_lat)


def parse_query(request: Request) -> PointQuery | None:
    """The search's parameters from the query string in one pass, or None when the request
    is anything but a plain, valid search the stored documents answer (the route then
    parses it as declared, and refuses what it refuses)."""
    scalars: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        limit = _SCALARS.get(name)
        if limit is not None:
            if name in scalars or len(value) > limit:
                return None
            scalars[name] = value
        elif name in _LISTS:
            lists.setdefault(name, []).append(value)
        else:
            return None
    settings = request.app.state.settings
    errors: list[FieldError] = []
    near = scalars.get("near")
    centre = parse_lat_lon(near, "near", errors) if near is not None else None
    bbox_raw = scalars.get("bbox")
    box = _bbox(bbox_raw) if bbox_raw is not None else None
    if errors or (bbox_raw is not None and (box is None or near is not None)):
        return None
    route_raw = scalars.get("route")
    route = None
    if route_raw is not None:
        if near is not None or bbox_raw is not None:
            return None
        try:
            route = parse_route(route_raw)
        except RouteError:
            return None
    corridor = DEFAULT_CORRIDOR_M
    if "corridor" in scalars:
        found = _int(scalars["corridor"])
        if found is None or route is None or not 1 <= found <= MAX_CORRIDOR_M:
            return None
        corridor = found
    radius = limit = None
    if "radius" in scalars:
        radius = _int(scalars["radius"])
        if radius is None or near is None or not 1 <= radius <= settings.max_radius_m:
            return None
    if "limit" in scalars:
        limit = _int(scalars["limit"])
        if limit is None or not 1 <= limit <= settings.max_page_size:
            return None
    view = scalars.get("view", "full")
    if view not in ("full", "summary"):
        return None
    free_raw = scalars.get("free")
    if free_raw is not None and free_raw not in ("true", "false"):
        return None
    open_raw = scalars.get("open_now")
    if open_raw is not None and open_raw != "true":
        return None  # ``false`` is refused (422) by the route, other spellings read there
    at_raw = scalars.get("at")
    at = parse_at(at_raw) if at_raw is not None else dt.datetime.now(dt.UTC)
    if at is None:
        return None
    if route is not None and open_raw is not None:
        return None  # open along a route: the route reads it
    spoken: list[str] = []
    countries: list[str] = []
    try:
        spoken = [normalise_tag(tag) for tag in _split(lists.get("spoken_language", []))]
        countries = [normalise_country(code) for code in _split(lists.get("country", []))]
    except (InvalidLanguageTag, InvalidCountryCode):
        return None
    q = scalars.get("q")
    text = q.strip() if q else None
    if text is not None and not query_tokens(text):
        return None
    return PointQuery(
        near=centre,
        radius_m=radius or settings.default_radius_m,
        bbox=box,
        categories=tuple(_split(lists.get("category", []))),
        audiences=tuple(_split(lists.get("audience", []))),
        spoken_languages=tuple(spoken),
        countries=tuple(countries),
        open_now=open_raw is not None,
        at=at,
        free=None if free_raw is None else free_raw == "true",
        verified_since=None,
        q=text or None,
        limit=limit or settings.default_page_size,
        cursor=scalars.get("cursor"),
        view="summary" if view == "summary" else "full",
        route=route,
        corridor_m=corridor,
    )


def lean_query(query: PointQuery) -> bool:
    """A page of nearest points or of a viewport, with no filter and no words (the one the
    phones ask all the time), or of a text search alone: read whole through the cursor of
    one connection."""
    spatial = query.near is not None or query.bbox is not None
    text_alone = bool(query.q) and not spatial and query.route is None
    return (
        ((spatial and not query.q) or text_alone)
        and not query.categories
        and not query.audiences
        and not query.spoken_languages
        and not query.countries
        and query.free is None
        and query.verified_since is None
        and not query.open_now
    )
