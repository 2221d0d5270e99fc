"""Map endpoints: grid clusters of a viewport (and vector tiles, ``app.maps.tiles``)."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from starlette.responses import Response

from app.errors import FieldError, ValidationProblem
from app.i18n.dependencies import LangDep
from app.maps.clusters import clusters_body
from app.maps.filters import MapFiltersDep
from app.maps.grid import MAX_ZOOM
from app.responses import GEOJSON_MEDIA_TYPE
from app.service_points.dependencies import _parse_bbox
from app.service_points.rendering import dump
from app.service_points.router import PROBLEM, _headers, _in_thread, _renderings

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
    box = _parse_bbox(bbox, errors)
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
                cache=_renderings(request),
                stale_after=stale_after,
            )

    body = await _in_thread(request, partial(run))
    if accept and GEOJSON_MEDIA_TYPE in accept:
        return Response(dump(_geojson(body)), media_type=GEOJSON_MEDIA_TYPE, headers=_headers(pref))
    return Response(dump(body), media_type="application/json", headers=_headers(pref))


__all__ = ["router"]
