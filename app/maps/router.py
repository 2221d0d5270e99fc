"""Map endpoints: grid clusters of a viewport (and vector tiles, ``app.maps.tiles``)."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Header, Path, Query, Request
from starlette.responses import Response

from app.errors import FieldError, NotFound, ValidationProblem
from app.geo.params import parse_bbox
from app.geo.tilegrid import MAX_LAT, MAX_ZOOM, TileId
from app.i18n.content import body_languages
from app.maps.clusters import clusters_body
from app.maps.filters import MapFiltersDep
from app.maps.refresh import grid_of
from app.maps.tiles import MAX_TILE_POINTS, TileOut, data_version, render_tile, tile_etag
from app.maps.tiles import MEDIA_TYPE as MVT_MEDIA_TYPE
from app.public_points.reads import content_headers, in_thread, renderings
from app.public_points.rendering import dump
from app.responses import GEOJSON_MEDIA_TYPE
from app.web.languages import LangDep
from app.web.problems import PROBLEM

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["maps"])


def _geojson(body: dict[str, Any]) -> dict[str, Any]:
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [c["location"]["lon"], c["location"]["lat"]],
            },
            "bbox": c["bounds"],
            "properties": {"cluster": True, "count": c["count"], "categories": c["categories"]},
        }
        for c in body["clusters"]
    ]
    for item in body["points"]:
        location = item["location"]
        features.append(
            {
                "type": "Feature",
                "id": item["id"],
                "geometry": {"type": "Point", "coordinates": [location["lon"], location["lat"]]},
                "properties": {
                    "cluster": False,
                    **{k: v for k, v in item.items() if k not in ("id", "location")},
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "total": body["total"],
        "zoom": body["zoom"],
        "lang": body["lang"],
    }


@router.get(
    "/points/clusters",
    operation_id="clusterServicePoints",
    summary="Clusters and lone points of a map viewport at a zoom level",
    responses={
        200: {
            "content": {"application/json": {}, GEOJSON_MEDIA_TYPE: {}},
            "description": "`clusters` (count, centroid `location`, `bounds`, counts per "
            "top-level category) and `points` (lone points, summary view); `total` is "
            "every point in the box that passes the filters",
        },
        422: PROBLEM,
    },
)
async def point_clusters(
    request: Request,
    filters: MapFiltersDep,
    pref: LangDep,
    bbox: Annotated[
        str,
        Query(
            description="Viewport `minLon,minLat,maxLon,maxLat`; may cross the antimeridian",
            examples=["-92.5,7,-76,18.5"],
            max_length=128,
        ),
    ],
    zoom: Annotated[
        int, Query(description=f"Map zoom level, 0 to {MAX_ZOOM} (web-mercator, 256-px tiles)")
    ],
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    """Points are grouped per square of 64 pixels at `zoom` (the same squares for every
    request, so answers cache well); counts are exact. Same filters as `/v1/points`."""
    errors: list[FieldError] = []
    box = parse_bbox(bbox, errors)
    if not 0 <= zoom <= MAX_ZOOM:
        errors.append(
            FieldError(location="query", name="zoom", detail=f"must be between 0 and {MAX_ZOOM}")
        )
    if errors or box is None:
        raise ValidationProblem("; ".join(f"{e.name}: {e.detail}" for e in errors), errors=errors)
    database = request.app.state.database
    stale_after = dt.timedelta(days=request.app.state.settings.stale_after_days)

    def run() -> dict[str, Any]:
        with database.read_sessionmaker() as session:
            return clusters_body(
                session,
                box,
                zoom,
                filters,
                pref=pref,
                cache=renderings(request),
                stale_after=stale_after,
                grid=grid_of(request.app.state),
            )

    body = await in_thread(request, partial(run))
    # The lone points' texts say their languages; clusters carry no text.
    languages = body_languages(pref, (point.get("lang", "") for point in body["points"]))
    body["lang"] = languages[0]
    headers = content_headers(languages)
    if accept and GEOJSON_MEDIA_TYPE in accept:
        return Response(dump(_geojson(body)), media_type=GEOJSON_MEDIA_TYPE, headers=headers)
    return Response(dump(body), media_type="application/json", headers=headers)


_TILE_CACHE_LONG = "public, max-age=31536000, immutable"
_TILE_CACHE_SHORT = "public, max-age=60"


def _tile_coordinate(raw: str, name: str, errors: list[FieldError]) -> int:
    if not raw.isdigit() or len(raw) > 8:
        errors.append(
            FieldError(location="path", name=name, detail="must be a non-negative integer")
        )
        return 0
    return int(raw)


@router.get(
    "/tiles/{z}/{x}/{y}.mvt",
    operation_id="getPointTile",
    summary="A vector tile of service points (Mapbox Vector Tile 2.1, web-mercator XYZ)",
    response_class=Response,
    responses={
        200: {
            "content": {MVT_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "description": "Layers `points` (id, name, lang, category, status, warnings) and, "
            "where a tile holds many points, `clusters` (count, categories, count_<category>, "
            "min_lon, min_lat, max_lon, max_lat)",
        },
        304: {"description": "Not modified (If-None-Match)"},
        404: PROBLEM,
        422: PROBLEM,
    },
)
async def point_tile(
    request: Request,
    filters: MapFiltersDep,
    pref: LangDep,
    z: Annotated[str, Path(description=f"Zoom, 0 to {MAX_ZOOM}")],
    x: Annotated[str, Path(description="Column, 0 to 2^z - 1")],
    y: Annotated[str, Path(description="Row from the north, 0 to 2^z - 1")],
    v: Annotated[
        str | None,
        Query(
            description="Data version from `/v1/tiles.json`; a tile asked for with the current "
            "version may be cached for a year",
            max_length=64,
        ),
    ] = None,
    if_none_match: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    errors: list[FieldError] = []
    zoom, column, row = (
        _tile_coordinate(raw, name, errors) for raw, name in ((z, "z"), (x, "x"), (y, "y"))
    )
    if not errors and zoom > MAX_ZOOM:
        errors.append(
            FieldError(location="path", name="z", detail=f"must be between 0 and {MAX_ZOOM}")
        )
    if errors:
        raise ValidationProblem("; ".join(f"{e.name}: {e.detail}" for e in errors), errors=errors)
    if column >= 1 << zoom or row >= 1 << zoom:
        raise NotFound(f"tile {zoom}/{column}/{row} is outside the grid")
    tile = TileId(zoom, column, row)
    database = request.app.state.database
    stale_after = dt.timedelta(days=request.app.state.settings.stale_after_days)

    def run() -> tuple[str, TileOut | None]:
        with database.read_sessionmaker() as session:
            version = data_version(session)
            etag = tile_etag(version, tile, filters, pref)
            if if_none_match and etag in if_none_match:
                return version, None
            return version, render_tile(
                session,
                tile,
                filters,
                pref=pref,
                cache=renderings(request),
                stale_after=stale_after,
                grid=grid_of(request.app.state),
            )

    version, out = await in_thread(request, run)
    headers = {
        # Names fall back per feature (each carries its `lang`); the requested one is said.
        **content_headers([pref.served]),
        "ETag": tile_etag(version, tile, filters, pref),
        "Cache-Control": _TILE_CACHE_LONG if v == version else _TILE_CACHE_SHORT,
        "Vary": "Accept-Language, Accept-Encoding",
    }
    if out is None:
        return Response(status_code=304, headers=headers)
    return Response(out.body, media_type=MVT_MEDIA_TYPE, headers=headers)


@router.get(
    "/tiles.json",
    operation_id="getTileJson",
    summary="TileJSON 3.0 document of the point tiles",
    responses={422: PROBLEM},
)
async def tilejson(request: Request, filters: MapFiltersDep, pref: LangDep) -> Response:
    """The tile URL template carries the current data version, the language and the
    filters of this request, so tiles fetched through it are cached for a year."""
    database = request.app.state.database

    def run() -> str:
        with database.read_sessionmaker() as session:
            filters.clauses(session)  # unknown categories or audiences: 422
            return data_version(session)

    version = await in_thread(request, run)
    query = [("v", version), ("lang", pref.served)]
    query += [("category", c) for c in filters.categories]
    query += [("audience", a) for a in filters.audiences]
    query += [("spoken_language", s) for s in filters.spoken_languages]
    query += [("country", c) for c in filters.countries]
    if filters.free is not None:
        query.append(("free", str(filters.free).lower()))
    base = str(request.base_url).rstrip("/")
    template = f"{base}/v1/tiles/{{z}}/{{x}}/{{y}}.mvt?{urlencode(query)}"
    body = {
        "tilejson": "3.0.0",
        "name": "Rumbo service points",
        "version": "1.0.0",
        "scheme": "xyz",
        "tiles": [template],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": [-180, -MAX_LAT, 180, MAX_LAT],
        "attribution": "Rumbo contributors",
        "vector_layers": [
            {
                "id": "points",
                "description": "Public service points",
                "fields": {
                    "id": "String: public id (UUID)",
                    "name": "String: name in the tile's language (fallbacks as the API)",
                    "lang": "String: language of the name",
                    "category": "String: main category code",
                    "status": "String: published or temporarily_closed",
                    "warnings": "String: comma-separated public warning codes",
                },
            },
            {
                "id": "clusters",
                "description": f"Groups of points per 64-pixel cell, where a tile holds more "
                f"than {MAX_TILE_POINTS} points",
                "fields": {
                    "count": "Number: points in the cluster",
                    "categories": "String: JSON object of counts per top-level category",
                    "min_lon": "Number",
                    "min_lat": "Number",
                    "max_lon": "Number",
                    "max_lat": "Number",
                },
            },
        ],
    }
    headers = {**content_headers([pref.served]), "Cache-Control": "public, max-age=60"}
    return Response(dump(body), media_type="application/json", headers=headers)
