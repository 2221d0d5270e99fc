"""Feedback moderation for staff (``/v1/moderation/feedback``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from app.accounts.dependencies import CurrentStaff
from app.db import SessionDep
from app.feedback import moderation
from app.feedback.models import FeedbackStatus
from app.feedback.schemas import (
    BulkDecisionInput,
    DecisionInput,
    ModerationItem,
    ModerationPage,
)
from app.web.deps import SettingsDep
from app.web.problems import PROBLEM

router = APIRouter(prefix="/v1/moderation", tags=["feedback moderation"])

ERRORS: dict[int | str, dict[str, Any]] = {401: PROBLEM, 403: PROBLEM, 422: PROBLEM}
Receipt = Annotated[str, Path(description="The feedback's receipt id", max_length=36)]


@router.get(
    "/feedback",
    operation_id="listFeedbackForModeration",
    summary="The moderation queue: feedback on your organisations' points, oldest first",
    response_model=ModerationPage,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def list_queue(
    session: SessionDep,
    staff: CurrentStaff,
    status: Annotated[
        list[FeedbackStatus] | None, Query(description="Default: pending (repeat for several)")
    ] = None,
    point: Annotated[str | None, Query(description="Public id of a point", max_length=36)] = None,
    tag: Annotated[str | None, Query(max_length=50)] = None,
    held: Annotated[bool | None, Query(description="Held for a link or spam suspicion")] = None,
    has_comment: Annotated[bool | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ModerationPage:
    """Comments arrive already redacted. Platform administrators also see feedback about the
    app (without a point)."""
    return moderation.list_queue(
        session,
        actor=staff,
        statuses=status or [FeedbackStatus.pending],
        point_public_id=point,
        tag=tag,
        held=held,
        has_comment=has_comment,
        cursor=cursor,
        limit=limit,
    )


@router.get(
    "/feedback/{receipt}",
    operation_id="getFeedbackForModeration",
    summary="One feedback item, with its moderation history fields",
    response_model=ModerationItem,
    response_model_exclude_none=True,
    responses={**ERRORS, 404: PROBLEM},
)
def get_item(session: SessionDep, staff: CurrentStaff, receipt: Receipt) -> ModerationItem:
    return moderation.get_item(session, actor=staff, receipt=receipt)


@router.post(
    "/feedback/{receipt}/decision",
    operation_id="decideFeedback",
    summary="Approve, reject or mark as spam one feedback item",
    response_model=ModerationItem,
    response_model_exclude_none=True,
    responses={**ERRORS, 404: PROBLEM},
)
def decide(
    settings: SettingsDep,
    session: SessionDep,
    staff: CurrentStaff,
    receipt: Receipt,
    data: DecisionInput,
) -> ModerationItem:
    """`reason` is required to reject or to mark as spam. Approving makes the comment
    public and counts its rating and tags; rejecting removes all of it from public view."""
    return moderation.decide(session, actor=staff, receipt=receipt, data=data, settings=settings)


@router.post(
    "/feedback/decisions",
    operation_id="decideFeedbackInBulk",
    summary="The same decision on up to 100 items: all of them, or none",
    response_model=list[ModerationItem],
    response_model_exclude_none=True,
    responses=ERRORS,
)
def decide_many(
    settings: SettingsDep, session: SessionDep, staff: CurrentStaff, data: BulkDecisionInput
) -> list[ModerationItem]:
    return moderation.decide_many(session, actor=staff, data=data, settings=settings)
