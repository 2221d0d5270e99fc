"""Public read API of service points (``/v1/points``)."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import APIRouter, Header, Path, Request
from starlette.responses import Response

from app.db import reads_primary
from app.http_cache import version_etag
from app.public_points import item as point_item
from app.public_points import service
from app.public_points.dependencies import PointQueryDep
from app.public_points.hints import viewport_link
from app.public_points.reads import content_headers, in_thread, renderings
from app.public_points.rendering import dump
from app.public_points.schemas import (
    PointFeatureCollection,
    PointSearchPage,
    ServicePointRead,
)
from app.responses import GEOJSON_MEDIA_TYPE
from app.web.languages import LangDep
from app.web.problems import PROBLEM

router = APIRouter(prefix="/v1", tags=["service points"])
T = TypeVar("T")


def _stale_after(request: Request) -> dt.timedelta:
    return dt.timedelta(days=request.app.state.settings.stale_after_days)


def _next_href(request: Request, cursor: str) -> str:
    """The next page's URL reference: this request's path and query with the new cursor."""
    url = request.url.include_query_params(cursor=cursor)
    return f"{url.path}?{url.query}"


def _feature(encoded: bytes) -> dict[str, Any]:
    item = orjson.loads(encoded)
    location = item.get("location")
    return {
        "type": "Feature",
        "id": item["id"],
        # Hidden points have no location: a null geometry (RFC 7946 section 3.2).
        "geometry": {"type": "Point", "coordinates": [location["lon"], location["lat"]]}
        if location
        else None,
        "properties": {k: v for k, v in item.items() if k not in ("id", "location")},
    }


_MAP_FILTERS = ("category", "audience", "spoken_language", "country", "free", "lang")


def _map_filters(request: Request) -> list[tuple[str, str]]:
    """The parameters of this request that the map endpoints also take."""
    return [(k, v) for k, v in request.query_params.multi_items() if k in _MAP_FILTERS]


@router.get(
    "/points",
    operation_id="searchServicePoints",
    summary="Search service points: nearest first, in a map viewport, or by filters",
    response_model=PointSearchPage,
    response_model_exclude_none=True,
    responses={
        200: {
            "content": {GEOJSON_MEDIA_TYPE: {"schema": PointFeatureCollection.model_json_schema()}},
            "description": "A page of points (JSON, or GeoJSON with Accept: application/geo+json): "
            "`PointPage` in full, `PointSummaryPage` with `view=summary`",
        },
        422: PROBLEM,
    },
)
async def search_points(
    request: Request,
    query: PointQueryDep,
    pref: LangDep,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    """Nearest first with `near` (and `distance_m` in metres), a viewport with `bbox`, or all
    points by id. Filters combine with AND; repeated values of one filter mean "any of".
    `view=summary` gives each point's list fields only (about a third of the bytes); the
    detail of one point is `GET /v1/points/{id}`."""
    # The parameters and languages are resolved on the event loop; the database work runs
    # in one thread-pool call (each hand-off costs about as much as a small query).
    page = await in_thread(
        request,
        partial(
            service.search,
            request.app.state.database,
            request.app.state.search,
            query,
            pref=pref,
            stale_after=_stale_after(request),
            cache=renderings(request),
            primary=reads_primary(request),
        ),
    )
    headers = content_headers(page.languages)
    # A wide viewport: clusters or tiles would serve the map better (a Link header).
    hint = viewport_link(query.bbox, _map_filters(request)) if query.bbox else None
    if hint:
        headers["Link"] = hint
    if accept and GEOJSON_MEDIA_TYPE in accept:
        links = []
        if page.next_cursor:
            links.append({"rel": "next", "href": _next_href(request, page.next_cursor)})
        body = {
            "type": "FeatureCollection",
            "features": [_feature(item) for item in page.items],
            "numberReturned": len(page.items),
            "links": links,
            "lang": page.lang,
        }
        if page.area_services is not None:  # a foreign member: they have no point geometry
            body["area_services"] = page.area_services
        return Response(dump(body), media_type=GEOJSON_MEDIA_TYPE, headers=headers)
    return Response(page.body(), media_type="application/json", headers=headers)


@router.get(
    "/points/{point_id}",
    operation_id="getServicePoint",
    summary="One service point by its stable id",
    response_model=ServicePointRead,
    response_model_exclude_none=True,
    responses={404: PROBLEM, 422: PROBLEM},
)
async def get_point(
    request: Request,
    pref: LangDep,
    point_id: Annotated[str, Path(description="Public id (UUID)", max_length=36)],
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    item = await in_thread(
        request,
        partial(
            point_item.get_item,
            request.app.state.database,
            point_id,
            pref=pref,
            stale_after=_stale_after(request),
            cache=renderings(request),
            primary=reads_primary(request),
        ),
    )
    headers = content_headers([item.lang])
    if accept and GEOJSON_MEDIA_TYPE in accept:
        body, media_type = dump(_feature(item.body)), GEOJSON_MEDIA_TYPE
    else:
        body, media_type = item.body, "application/json"
    # The point's version in its public ETag: a PATCH to this URL accepts it in If-Match.
    headers["ETag"] = version_etag(item.version, body)
    return Response(body, media_type=media_type, headers=headers)


__all__ = ["router"]
