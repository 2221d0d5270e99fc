"""``GET /v1/where``: which country a point is in, with what covers it there."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.countries.dependencies import LatitudeQuery, LongitudeQuery
from app.db import ReadSessionDep
from app.i18n.content import tag_response
from app.web.languages import LangDep
from app.web.problems import PROBLEM
from app.where import service
from app.where.schemas import WhereRead

__all__ = ["router"]

# Tagged with the countries API it has always been documented in.
router = APIRouter(prefix="/v1", tags=["countries"])


@router.get(
    "/where",
    operation_id="locatePoint",
    summary="Which country a point is in, its local time and emergency numbers",
    responses={422: PROBLEM},
)
def where(
    session: ReadSessionDep,
    pref: LangDep,
    response: Response,
    lat: LatitudeQuery,
    lon: LongitudeQuery,
) -> WhereRead:
    """For apps that switch context when their user crosses a border. At sea the country is
    null (with the nearest coast within 25 km, if any). Coordinates are neither logged nor
    stored, and the answer is not cacheable."""
    response.headers["Cache-Control"] = "no-store"
    return tag_response(response, pref, service.where(session, lat=lat, lon=lon, pref=pref))
