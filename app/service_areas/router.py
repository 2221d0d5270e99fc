"""Area services over HTTP: public reads and the staff writes (``/v1/area-services``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Response, status

from app.accounts.dependencies import STAFF_CACHE_CONTROL, CurrentStaff, require_json
from app.country_codes import InvalidCountryCode, normalise_country
from app.db import ReadSessionDep, SessionDep
from app.errors import FieldError, ValidationProblem
from app.geo.params import parse_lat_lon
from app.i18n.tags import InvalidLanguageTag, normalise_tag
from app.service_areas import service, staff
from app.service_areas.coverage import CoveringFilters
from app.service_areas.inputs import AreaServiceCreate, AreaServiceUpdate
from app.service_areas.schemas import (
    AreaServicePage,
    AreaServiceRead,
    StaffAreaServicePage,
    StaffAreaServiceRead,
)
from app.taxonomy import service as taxonomy_service
from app.web.languages import LangDep
from app.web.problems import PROBLEM

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["area services"])

READ_ERRORS: dict[int | str, dict[str, Any]] = dict.fromkeys((401, 403, 404, 422), PROBLEM)
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **READ_ERRORS,
    **dict.fromkeys((409, 412, 413, 415, 428), PROBLEM),
}
AreaServiceId = Annotated[str, Path(description="Public id (UUID)", max_length=36)]
IfMatch = Annotated[
    str | None,
    Header(description="The ETag of the version you are changing (required)", max_length=200),
]
VARY = "Accept, Accept-Language, Accept-Encoding"


def _split(raw: list[str] | None) -> list[str]:
    return [v.strip() for value in raw or [] for v in value.split(",") if v.strip()]


class _Query:
    def __init__(
        self,
        near: tuple[float, float] | None,
        countries: tuple[str, ...],
        categories: tuple[str, ...],
        spoken: tuple[str, ...],
        free: bool | None,
    ) -> None:
        self.near, self.countries, self.categories = near, countries, categories
        self.spoken, self.free = spoken, free


async def _query(
    near: Annotated[
        str | None, Query(description="Services whose area covers `lat,lon`", max_length=64)
    ] = None,
    country: Annotated[
        list[str] | None, Query(description="Serving any of (ISO 3166-1)", max_length=200)
    ] = None,
    category: Annotated[
        list[str] | None, Query(description="Category codes (any of)", max_length=200)
    ] = None,
    spoken_language: Annotated[
        list[str] | None, Query(description="Spoken in any of (BCP 47)", max_length=200)
    ] = None,
    free: Annotated[bool | None, Query(description="Free of charge")] = None,
) -> _Query:
    errors: list[FieldError] = []
    centre = parse_lat_lon(near, "near", errors) if near is not None else None
    countries: list[str] = []
    for raw in _split(country)[:50]:
        try:
            countries.append(normalise_country(raw))
        except InvalidCountryCode as exc:
            errors.append(FieldError(location="query", name="country", detail=str(exc)))
    spoken: list[str] = []
    for raw in _split(spoken_language)[:20]:
        try:
            spoken.append(normalise_tag(raw))
        except InvalidLanguageTag as exc:
            errors.append(FieldError(location="query", name="spoken_language", detail=str(exc)))
    if errors:
        raise ValidationProblem("; ".join(f"{e.name}: {e.detail}" for e in errors), errors=errors)
    return _Query(centre, tuple(countries), tuple(_split(category)[:20]), tuple(spoken), free)


@router.get(
    "/area-services",
    operation_id="listAreaServices",
    summary="Services by the area they serve (hotlines, online services, mobile teams)",
    response_model=AreaServicePage,
    response_model_exclude_none=True,
    responses={422: PROBLEM},
)
def list_area_services(
    response: Response,
    session: ReadSessionDep,
    pref: LangDep,
    query: Annotated[_Query, Depends(_query)],
) -> AreaServicePage:
    """`near=lat,lon`: the services whose area covers the place (the place is neither logged
    nor stored); `country`: serving any of those countries; otherwise all. They are few."""
    response.headers["Vary"] = VARY
    if query.near is not None:
        response.headers["Cache-Control"] = "no-store"
    categories = (
        taxonomy_service.expand_categories(session, query.categories, parameter="category")
        if query.categories
        else set()
    )
    filters = CoveringFilters(
        categories=frozenset(categories), spoken_languages=query.spoken, free=query.free
    )
    return service.list_public(
        session, pref=pref, near=query.near, countries=query.countries, filters=filters
    )


@router.get(
    "/area-services/{area_service_id}",
    operation_id="getAreaService",
    summary="One area service",
    response_model=AreaServiceRead,
    response_model_exclude_none=True,
    responses={404: PROBLEM, 422: PROBLEM},
)
def get_area_service(
    response: Response, session: ReadSessionDep, pref: LangDep, area_service_id: AreaServiceId
) -> AreaServiceRead:
    response.headers["Vary"] = VARY
    return service.get_public(session, area_service_id, pref)


# --- staff --------------------------------------------------------------------------------


def _tag(response: Response, item: StaffAreaServiceRead) -> StaffAreaServiceRead:
    response.headers["ETag"] = item.etag
    response.headers["Cache-Control"] = STAFF_CACHE_CONTROL
    return item


@router.post(
    "/area-services",
    operation_id="createAreaService",
    summary="Create an area service (editors)",
    status_code=status.HTTP_201_CREATED,
    response_model=StaffAreaServiceRead,
    response_model_exclude_none=True,
    responses=WRITE_ERRORS,
    dependencies=[require_json],
)
def create_area_service(
    response: Response,
    session: SessionDep,
    principal: CurrentStaff,
    body: AreaServiceCreate,
    organization: Annotated[
        str | None,
        Query(description="Organisation (id); needed when you write for several", max_length=100),
    ] = None,
) -> StaffAreaServiceRead:
    item = staff.create(session, principal, body, organization=organization)
    response.headers["Location"] = f"/v1/staff/area-services/{item.id}"
    return _tag(response, item)


@router.get(
    "/staff/area-services",
    operation_id="listStaffAreaServices",
    summary="Area services of your organisations, drafts included",
    response_model=StaffAreaServicePage,
    response_model_exclude_none=True,
    responses=READ_ERRORS,
)
def list_staff_area_services(
    response: Response,
    session: SessionDep,
    principal: CurrentStaff,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> StaffAreaServicePage:
    response.headers["Cache-Control"] = STAFF_CACHE_CONTROL
    return staff.list_staff(session, principal, cursor=cursor, limit=limit)


@router.get(
    "/staff/area-services/{area_service_id}",
    operation_id="getStaffAreaService",
    summary="One area service of your organisation with every translation and its ETag",
    response_model=StaffAreaServiceRead,
    response_model_exclude_none=True,
    responses=READ_ERRORS,
)
def get_staff_area_service(
    response: Response, session: SessionDep, principal: CurrentStaff, area_service_id: AreaServiceId
) -> StaffAreaServiceRead:
    return _tag(response, staff.get_staff(session, principal, area_service_id))


@router.patch(
    "/area-services/{area_service_id}",
    operation_id="updateAreaService",
    summary="Change an area service (editors; If-Match)",
    response_model=StaffAreaServiceRead,
    response_model_exclude_none=True,
    responses=WRITE_ERRORS,
    dependencies=[require_json],
)
def update_area_service(
    response: Response,
    session: SessionDep,
    principal: CurrentStaff,
    area_service_id: AreaServiceId,
    body: AreaServiceUpdate,
    if_match: IfMatch = None,
) -> StaffAreaServiceRead:
    item = staff.update(session, principal, area_service_id, body, if_match=if_match)
    return _tag(response, item)


@router.delete(
    "/area-services/{area_service_id}",
    operation_id="deleteAreaService",
    summary="Delete an area service (editors; If-Match)",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=WRITE_ERRORS,
)
def delete_area_service(
    session: SessionDep,
    principal: CurrentStaff,
    area_service_id: AreaServiceId,
    if_match: IfMatch = None,
) -> Response:
    staff.delete(session, principal, area_service_id, if_match=if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
