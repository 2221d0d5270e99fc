"""Public read API of service points (``/v1/points``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request
from starlette.responses import Response

from app.db import ReadSessionDep
from app.i18n.dependencies import LangDep
from app.responses import GEOJSON_MEDIA_TYPE, GeoJSONResponse
from app.service_points import service
from app.service_points.dependencies import PointQueryDep
from app.service_points.schemas import PointFeatureCollection, PointPage, ServicePointRead

router = APIRouter(prefix="/v1", tags=["service points"])

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


def _stale_after(request: Request) -> dt.timedelta:
    return dt.timedelta(days=request.app.state.settings.stale_after_days)


def _feature(item: ServicePointRead) -> dict[str, Any]:
    properties = item.model_dump(mode="json", exclude_none=True, exclude={"location", "id"})
    return {
        "type": "Feature",
        "id": item.id,
        "geometry": {"type": "Point", "coordinates": [item.location.lon, item.location.lat]},
        "properties": properties,
    }


@router.get(
    "/points",
    operation_id="searchServicePoints",
    summary="Search service points: nearest first, in a map viewport, or by filters",
    response_model=PointPage,
    response_model_exclude_none=True,
    responses={
        200: {
            "content": {GEOJSON_MEDIA_TYPE: {"schema": PointFeatureCollection.model_json_schema()}},
            "description": "A page of points (JSON, or GeoJSON with Accept: application/geo+json)",
        },
        422: PROBLEM,
    },
)
def search_points(
    request: Request,
    session: ReadSessionDep,
    query: PointQueryDep,
    pref: LangDep,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    """Nearest first with `near` (and `distance_m` in metres), a viewport with `bbox`, or all
    points by id. Filters combine with AND; repeated values of one filter mean "any of"."""
    page = service.search_points(
        session, request.app.state.search, query, pref=pref, stale_after=_stale_after(request)
    )
    if accept and GEOJSON_MEDIA_TYPE in accept:
        links = []
        if page.next_cursor:
            links.append({"rel": "next", "href": f"?cursor={page.next_cursor}"})
        body = {
            "type": "FeatureCollection",
            "features": [_feature(item) for item in page.items],
            "numberReturned": len(page.items),
            "links": links,
            "lang": page.lang,
        }
        return GeoJSONResponse(
            body,
            headers={
                "Content-Language": pref.served,
                "Vary": "Accept, Accept-Language, Accept-Encoding",
            },
        )
    return page


@router.get(
    "/points/{point_id}",
    operation_id="getServicePoint",
    summary="One service point by its stable id",
    response_model=ServicePointRead,
    response_model_exclude_none=True,
    responses={404: PROBLEM, 422: PROBLEM},
)
def get_point(
    request: Request,
    session: ReadSessionDep,
    pref: LangDep,
    point_id: Annotated[str, Path(description="Public id (UUID)", max_length=36)],
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    item = service.get_point(session, point_id, pref=pref, stale_after=_stale_after(request))
    if accept and GEOJSON_MEDIA_TYPE in accept:
        return GeoJSONResponse(
            _feature(item),
            headers={
                "Content-Language": pref.served,
                "Vary": "Accept, Accept-Language, Accept-Encoding",
            },
        )
    return item


__all__ = ["Response", "router"]
