"""Moderation of feedback by staff: the queue, and approve / reject / spam decisions.

Moderators (and organisation admins) see and decide feedback on their organisations'
points; platform administrators see everything, including feedback about the app. Every
decision records who made it and when, on the row and in the audit trail, and re-counts
the point's reports (approving held reports may open a task; rejecting reports may
dismiss one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from app.access.principal import Principal
from app.accounts.models import Role
from app.audit import service as audit
from app.db import utcnow
from app.errors import FieldError, Forbidden, NotFound, ValidationProblem
from app.feedback import repository, signals
from app.feedback.models import Feedback, FeedbackStatus
from app.feedback.schemas import (
    BulkDecisionInput,
    DecisionInput,
    ModerationItem,
    ModerationPage,
)
from app.metrics import count_feedback_decisions
from app.service_points import repository as points_repository
from app.service_points.models import ServicePoint
from app.settings import Settings
from app.web.cursors import decode_cursor, encode_cursor, query_fingerprint

__all__ = ["decide", "decide_many", "get_item", "list_queue"]

_STATUS_OF = {
    "approve": FeedbackStatus.approved,
    "reject": FeedbackStatus.rejected,
    "spam": FeedbackStatus.spam,
}


def _scope(actor: Principal) -> list[str] | None:
    """Organisations whose points the actor moderates; ``None`` for everything."""
    if actor.is_admin:
        return None
    organizations = actor.organizations_with(Role.moderator)
    if not organizations:
        raise Forbidden("this needs the moderator role in an organisation")
    return organizations


def _may_see(actor: Principal, point: ServicePoint | None) -> bool:
    if point is None:
        return actor.is_admin
    return actor.can(point.organization_id, Role.moderator)


def _item(feedback: Feedback, point: ServicePoint | None) -> ModerationItem:
    name = None
    if point is not None:
        names = {t.lang: t.name for t in point.translations}
        name = names.get(point.original_language) or next(iter(names.values()), None)
    return ModerationItem(
        receipt=feedback.receipt,
        point_id=point.public_id if point else None,
        point_name=name,
        organization=point.organization.slug if point else None,
        country=feedback.country,
        rating=feedback.rating,
        tags=feedback.tag_codes,
        comment=feedback.comment,
        comment_lang=feedback.comment_lang,
        comment_lang_source=feedback.comment_lang_source,
        flags=list(feedback.flags),
        spam_score=feedback.spam_score,
        held=feedback.held,
        counted=feedback.counted,
        status=FeedbackStatus(feedback.status).value,
        created_at=feedback.created_at,
        decided_at=feedback.decided_at,
        decided_by_user_id=feedback.decided_by_user_id,
        decided_by_api_key_id=feedback.decided_by_api_key_id,
        decision_reason=feedback.decision_reason,
    )


def list_queue(
    session: Session,
    *,
    actor: Principal,
    statuses: Sequence[FeedbackStatus],
    point_public_id: str | None,
    tag: str | None,
    held: bool | None,
    has_comment: bool | None,
    cursor: str | None,
    limit: int,
) -> ModerationPage:
    """Feedback to moderate, oldest first, within the actor's scope."""
    organizations = _scope(actor)
    point_id = None
    if point_public_id is not None:
        point = points_repository.by_public_id(session, point_public_id)
        if point is None or not _may_see(actor, point):
            raise ValidationProblem.for_field("query", "point", "no such point among yours")
        point_id = point.id
    wanted = sorted({s.value for s in statuses or [FeedbackStatus.pending]})
    fingerprint = query_fingerprint(
        {"s": wanted, "p": point_public_id, "t": tag, "h": held, "c": has_comment}
    )
    after = decode_cursor(cursor, fingerprint=fingerprint)["i"] if cursor else None
    rows = repository.queue(
        session,
        statuses=wanted,
        organization_ids=organizations,
        include_general=actor.is_admin and point_id is None,
        point_id=point_id,
        tag_code=tag,
        held=held,
        has_comment=has_comment,
        after_id=int(after) if after is not None else None,
        limit=limit + 1,
    )
    page = rows[:limit]
    next_cursor = (
        encode_cursor({"f": fingerprint, "i": page[-1][0].id}) if len(rows) > limit else None
    )
    return ModerationPage(items=[_item(f, p) for f, p in page], next_cursor=next_cursor)


def _load(session: Session, actor: Principal, receipts: Sequence[str]) -> dict[str, Feedback]:
    """Feedback by receipt, only what the actor may moderate (others look missing)."""
    _scope(actor)
    found = repository.by_receipts(session, receipts)
    visible = {}
    for receipt, feedback in found.items():
        point = session.get(ServicePoint, feedback.point_id) if feedback.point_id else None
        if _may_see(actor, point):
            visible[receipt] = feedback
    return visible


def get_item(session: Session, *, actor: Principal, receipt: str) -> ModerationItem:
    feedback = _load(session, actor, [receipt]).get(receipt)
    if feedback is None:
        raise NotFound(f"no feedback with receipt {receipt!r}")
    point = session.get(ServicePoint, feedback.point_id) if feedback.point_id else None
    return _item(feedback, point)


def _check_reason(data: DecisionInput) -> None:
    if data.decision != "approve" and not data.reason:
        raise ValidationProblem.for_field(
            "body", "reason", "say why when rejecting or marking as spam", pointer="/reason"
        )


def _apply(
    session: Session,
    feedback: Feedback,
    *,
    actor: Principal,
    data: DecisionInput,
    settings: Settings,
    now: dt.datetime,
) -> ModerationItem:
    point = session.get(ServicePoint, feedback.point_id) if feedback.point_id else None
    before = feedback.status
    status = _STATUS_OF[data.decision]
    feedback.status = status.value
    if status == FeedbackStatus.approved:
        feedback.held = False
    feedback.decided_at = now
    feedback.decided_by_user_id = actor.user_id
    feedback.decided_by_api_key_id = actor.api_key_id
    feedback.decision_reason = data.reason
    session.flush()
    count_feedback_decisions(data.decision)
    audit.record(
        session,
        actor=actor,
        organization_id=point.organization_id if point else None,
        entity_type="feedback",
        entity_id=feedback.receipt,
        action=f"moderation.{data.decision}",
        changes={"status": [before, status.value], "reason": [None, data.reason]},
    )
    if point is not None:
        tags = repository.tags_by_code(session, feedback.tag_codes).values()
        kinds = signals.kinds_of(tags)
        if kinds:
            signals.reassess(
                session,
                point=point,
                kinds=kinds,
                settings=settings,
                now=now,
                rejected_by=actor if status != FeedbackStatus.approved else None,
            )
    return _item(feedback, point)


def decide(
    session: Session,
    *,
    actor: Principal,
    receipt: str,
    data: DecisionInput,
    settings: Settings,
) -> ModerationItem:
    """Approve, reject or mark one item as spam (a reason is required for the last two)."""
    _check_reason(data)
    feedback = _load(session, actor, [receipt]).get(receipt)
    if feedback is None:
        raise NotFound(f"no feedback with receipt {receipt!r}")
    return _apply(session, feedback, actor=actor, data=data, settings=settings, now=utcnow())


def decide_many(
    session: Session, *, actor: Principal, data: BulkDecisionInput, settings: Settings
) -> list[ModerationItem]:
    """The same decision on many items: all of them, or none when one cannot be decided."""
    _check_reason(data)
    found = _load(session, actor, data.receipts)
    missing = [
        FieldError(
            location="body",
            name="receipts",
            pointer=f"/receipts/{i}",
            detail=f"no feedback with receipt {receipt!r} among yours",
        )
        for i, receipt in enumerate(data.receipts)
        if receipt not in found
    ]
    if missing:
        raise ValidationProblem("; ".join(e.detail for e in missing), errors=missing)
    now = utcnow()
    return [
        _apply(session, found[r], actor=actor, data=data, settings=settings, now=now)
        for r in data.receipts
    ]
