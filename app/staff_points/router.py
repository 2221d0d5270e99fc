"""Staff API of service points: create, change, translate, publish, verify, delete, history.

Every route needs a staff credential (``CurrentStaff``); changes need ``If-Match`` with the
ETag of the version being changed. Responses are ``Cache-Control: private, no-store``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status

from app.accounts.dependencies import STAFF_CACHE_CONTROL, CurrentStaff
from app.db import SessionDep
from app.service_points.inputs import ServicePointCreate, ServicePointUpdate, TranslationInput
from app.staff_points import service as staff_service
from app.staff_points.dependencies import require_json, validated_point_body
from app.staff_points.schemas import (
    HistoryPage,
    StaffPointPage,
    StaffPointRead,
    StatusChange,
    VerifyRequest,
)
from app.web.problems import PROBLEM

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["staff: service points"])

READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: PROBLEM,
    403: PROBLEM,
    404: PROBLEM,
    422: PROBLEM,
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **READ_ERRORS,
    409: PROBLEM,
    410: PROBLEM,
    412: PROBLEM,
    413: PROBLEM,
    415: PROBLEM,
    428: PROBLEM,
}

PointId = Annotated[str, Path(description="Public id (UUID)", max_length=36)]
Lang = Annotated[str, Path(description="BCP 47 language tag", max_length=35)]
IfMatch = Annotated[
    str | None,
    Header(description="The ETag of the version you are changing (required)", max_length=200),
]


def _stale_after(request: Request) -> dt.timedelta:
    return dt.timedelta(days=request.app.state.settings.stale_after_days)


def _tag(response: Response, item: StaffPointRead) -> StaffPointRead:
    response.headers["ETag"] = item.etag
    response.headers["Cache-Control"] = STAFF_CACHE_CONTROL
    return item


@router.get(
    "/staff/points",
    operation_id="listStaffPoints",
    summary="Points of your organisations, drafts included",
    response_model=StaffPointPage,
    response_model_exclude_none=True,
    responses=READ_ERRORS,
)
def list_points(
    request: Request,
    session: SessionDep,
    principal: CurrentStaff,
    organization: Annotated[
        str | None, Query(description="Only this organisation (id)", max_length=100)
    ] = None,
    include_deleted: Annotated[bool, Query(description="Include tombstones")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> StaffPointPage:
    return staff_service.list_points(
        session,
        principal,
        organization=organization,
        include_deleted=include_deleted,
        limit=limit,
        cursor=cursor,
        stale_after=_stale_after(request),
    )


@router.get(
    "/staff/points/{point_id}",
    operation_id="getStaffPoint",
    summary="One point as its staff see it, with its ETag",
    response_model=StaffPointRead,
    response_model_exclude_none=True,
    responses=READ_ERRORS,
)
def get_point(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: CurrentStaff,
    point_id: PointId,
) -> StaffPointRead:
    item = staff_service.get_point(session, principal, point_id, stale_after=_stale_after(request))
    return _tag(response, item)


@router.post(
    "/points",
    operation_id="createServicePoint",
    summary="Create a service point (editors)",
    status_code=status.HTTP_201_CREATED,
    response_model=StaffPointRead,
    response_model_exclude_none=True,
    responses=WRITE_ERRORS,
    dependencies=[Depends(validated_point_body(ServicePointCreate))],
)
def create_point(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: CurrentStaff,
    body: ServicePointCreate,
    organization: Annotated[
        str | None,
        Query(
            description="Organisation (id) the point belongs to; needed only when you edit "
            "for several",
            max_length=100,
        ),
    ] = None,
) -> StaffPointRead:
    item = staff_service.create_point(
        session, principal, body, organization=organization, stale_after=_stale_after(request)
    )
    response.headers["Location"] = f"/v1/staff/points/{item.id}"
    return _tag(response, item)


@router.patch(
    "/points/{point_id}",
    operation_id="updateServicePoint",
    summary="Change some fields of a point (editors; If-Match required)",
    response_model=StaffPointRead,
    response_model_exclude_none=True,
    responses=WRITE_ERRORS,
    dependencies=[Depends(validated_point_body(ServicePointUpdate))],
)
def update_point(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: CurrentStaff,
    point_id: PointId,
    body: ServicePointUpdate,
    if_match: IfMatch = None,
) -> StaffPointRead:
    item = staff_service.update_point(
        session, principal, point_id, body, if_match=if_match, stale_after=_stale_after(request)
    )
    return _tag(response, item)


@router.delete(
    "/points/{point_id}",
    operation_id="deleteServicePoint",
    summary="Delete a point, leaving a tombstone (editors; If-Match required)",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=WRITE_ERRORS,
)
def delete_point(
    session: SessionDep, principal: CurrentStaff, point_id: PointId, if_match: IfMatch = None
) -> Response:
    staff_service.delete_point(session, principal, point_id, if_match=if_match)
    return Response(status_code=204, headers={"Cache-Control": STAFF_CACHE_CONTROL})


@router.put(
    "/points/{point_id}/translations/{lang}",
    operation_id="putServicePointTranslation",
    summary="Create or replace one language's texts (editors, translators; If-Match required)",
    response_model=StaffPointRead,
    response_model_exclude_none=True,
    responses={**WRITE_ERRORS, 201: {"model": StaffPointRead, "description": "Created"}},
    dependencies=[require_json],
)
def put_translation(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: CurrentStaff,
    point_id: PointId,
    lang: Lang,
    body: TranslationInput,
    if_match: IfMatch = None,
) -> StaffPointRead:
    item, created = staff_service.put_translation(
        session,
        principal,
        point_id,
        lang,
        body,
        if_match=if_match,
        stale_after=_stale_after(request),
    )
    if created:
        response.status_code = status.HTTP_201_CREATED
    return _tag(response, item)


@router.delete(
    "/points/{point_id}/translations/{lang}",
    operation_id="deleteServicePointTranslation",
    summary="Remove one language (editors, translators; If-Match required)",
    response_model=StaffPointRead,
    response_model_exclude_none=True,
    responses=WRITE_ERRORS,
)
def delete_translation(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: CurrentStaff,
    point_id: PointId,
    lang: Lang,
    if_match: IfMatch = None,
) -> StaffPointRead:
    item = staff_service.delete_translation(
        session, principal, point_id, lang, if_match=if_match, stale_after=_stale_after(request)
    )
    return _tag(response, item)


@router.post(
    "/points/{point_id}/status",
    operation_id="changeServicePointStatus",
    summary="Publish, close (temporarily or permanently) or reopen (editors; If-Match required)",
    response_model=StaffPointRead,
    response_model_exclude_none=True,
    responses=WRITE_ERRORS,
    dependencies=[require_json],
)
def change_status(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: CurrentStaff,
    point_id: PointId,
    body: StatusChange,
    if_match: IfMatch = None,
) -> StaffPointRead:
    item = staff_service.change_status(
        session, principal, point_id, body, if_match=if_match, stale_after=_stale_after(request)
    )
    return _tag(response, item)


@router.post(
    "/points/{point_id}/verify",
    operation_id="verifyServicePoint",
    summary="Stamp that the information was checked now (editors; If-Match required)",
    response_model=StaffPointRead,
    response_model_exclude_none=True,
    responses=WRITE_ERRORS,
    dependencies=[require_json],
)
def verify_point(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: CurrentStaff,
    point_id: PointId,
    body: VerifyRequest | None = None,
    if_match: IfMatch = None,
) -> StaffPointRead:
    item = staff_service.verify_point(
        session, principal, point_id, body, if_match=if_match, stale_after=_stale_after(request)
    )
    return _tag(response, item)


@router.get(
    "/points/{point_id}/history",
    operation_id="getServicePointHistory",
    summary="Every recorded change of a point: who, when, how, what (its staff)",
    response_model=HistoryPage,
    response_model_exclude_none=True,
    responses=READ_ERRORS,
)
def history(
    response: Response,
    session: SessionDep,
    principal: CurrentStaff,
    point_id: PointId,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> HistoryPage:
    response.headers["Cache-Control"] = STAFF_CACHE_CONTROL
    return staff_service.history(session, principal, point_id, limit=limit, cursor=cursor)
