"""Public feedback API: send feedback anonymously, read a point's summary, list the tags."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from app.db import ReadSessionDep, SessionDep
from app.feedback import service
from app.feedback.dependencies import (
    OriginDep,
    ThrottleDep,
    json_body,
    request_body_doc,
)
from app.feedback.inputs import FeedbackCreate, GeneralFeedbackCreate
from app.feedback.models import TagScope
from app.feedback.schemas import FeedbackReceipt, FeedbackTagList, PointFeedbackSummary
from app.i18n.content import tag_response
from app.web.deps import SettingsDep
from app.web.languages import LangDep
from app.web.problems import PROBLEM

router = APIRouter(prefix="/v1", tags=["feedback"])

SUBMIT_ERRORS: dict[int | str, dict[str, Any]] = {
    413: PROBLEM,
    415: PROBLEM,
    422: PROBLEM,
    429: {**PROBLEM, "description": "Too many submissions; see Retry-After"},
    503: {**PROBLEM, "description": "Cannot accept feedback now; keep it and retry"},
}
PointId = Annotated[str, Path(description="Public id of the point (UUID)", max_length=36)]


@router.post(
    "/points/{point_id}/feedback",
    operation_id="submitPointFeedback",
    summary="Send anonymous feedback on a service point",
    status_code=202,
    response_model=FeedbackReceipt,
    responses={**SUBMIT_ERRORS, 404: PROBLEM},
    openapi_extra=request_body_doc(FeedbackCreate),
)
def submit_point_feedback(
    settings: SettingsDep,
    response: Response,
    session: SessionDep,  # committed before the 202: a receipt means stored
    origin: OriginDep,
    throttle: ThrottleDep,
    point_id: PointId,
    data: Annotated[FeedbackCreate, Depends(json_body(FeedbackCreate))],
) -> FeedbackReceipt:
    """A rating (1-5), tags from `GET /v1/feedback-tags` and/or a comment. No account, and
    nothing that identifies the sender is stored: phone numbers and e-mail addresses are
    removed from the comment, which is public only after a moderator approves it. The 202 is
    sent once the feedback is stored; resending with the same `Idempotency-Key` returns the
    same receipt."""
    response.headers["Cache-Control"] = "no-store"
    return service.submit_point_feedback(
        session,
        point_public_id=point_id,
        data=data,
        origin=origin,
        throttle=throttle,
        settings=settings,
    )


@router.post(
    "/feedback",
    operation_id="submitGeneralFeedback",
    summary="Send anonymous feedback about the app or its content",
    status_code=202,
    response_model=FeedbackReceipt,
    responses=SUBMIT_ERRORS,
    openapi_extra=request_body_doc(GeneralFeedbackCreate),
)
def submit_general_feedback(
    settings: SettingsDep,
    response: Response,
    session: SessionDep,  # committed before the 202: a receipt means stored
    origin: OriginDep,
    throttle: ThrottleDep,
    data: Annotated[GeneralFeedbackCreate, Depends(json_body(GeneralFeedbackCreate))],
) -> FeedbackReceipt:
    """A missing place, wrong information about a country, a translation problem, a
    suggestion: tags with `scope: general`, a comment, optionally the country concerned."""
    response.headers["Cache-Control"] = "no-store"
    return service.submit_general_feedback(
        session,
        data=data,
        origin=origin,
        throttle=throttle,
        settings=settings,
    )


@router.get(
    "/points/{point_id}/feedback",
    operation_id="getPointFeedbackSummary",
    summary="What travellers say about a point: rating, recent reports, approved comments",
    response_model=PointFeedbackSummary,
    response_model_exclude_none=True,
    responses={404: PROBLEM, 422: PROBLEM},
)
def get_point_feedback(
    response: Response,
    session: ReadSessionDep,
    pref: LangDep,
    point_id: PointId,
    other_languages: Annotated[
        bool, Query(description="Also return approved comments in other languages")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=50, description="How many comments")] = 5,
) -> PointFeedbackSummary:
    response.headers["Cache-Control"] = "public, max-age=60"
    summary = service.point_summary(
        session, point_public_id=point_id, pref=pref, other_languages=other_languages, limit=limit
    )
    return tag_response(response, pref, summary)


@router.get(
    "/feedback-tags",
    operation_id="listFeedbackTags",
    summary="The tags feedback can carry, and the texts of public warnings, translated",
    response_model=FeedbackTagList,
    response_model_exclude_none=True,
    responses={422: PROBLEM},
)
def list_feedback_tags(
    response: Response,
    session: ReadSessionDep,
    pref: LangDep,
    scope: Annotated[TagScope | None, Query(description="Only tags of this scope")] = None,
) -> FeedbackTagList:
    response.headers["Cache-Control"] = "public, max-age=3600"
    return tag_response(response, pref, service.list_tags(session, pref=pref, scope=scope))
