"""Statements over feedback and its tags. The only module of the package that builds SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

from app.feedback.models import Feedback, FeedbackStatus, FeedbackTag, FeedbackTagChoice
from app.service_points.models import ServicePoint

__all__ = [
    "add",
    "all_tags",
    "by_id",
    "by_idempotency_key",
    "by_receipts",
    "comment_counts",
    "counts_clause",
    "latest_comments",
    "queue",
    "rating_summary",
    "signal_reports",
    "tag",
    "tag_counts",
    "tags_by_code",
]


def counts_clause() -> ColumnElement[bool]:
    """Feedback whose rating and tags count: not a repeat, and not held, rejected or spam."""
    return and_(
        Feedback.counted.is_(True),
        or_(
            Feedback.status == FeedbackStatus.approved.value,
            and_(Feedback.status == FeedbackStatus.pending.value, Feedback.held.is_(False)),
        ),
    )


def tag(session: Session, code: str) -> FeedbackTag | None:
    return session.get(FeedbackTag, code)


def all_tags(session: Session) -> Sequence[FeedbackTag]:
    return session.scalars(select(FeedbackTag).order_by(FeedbackTag.sort_order)).all()


def tags_by_code(session: Session, codes: Collection[str]) -> dict[str, FeedbackTag]:
    if not codes:
        return {}
    rows = session.scalars(select(FeedbackTag).where(FeedbackTag.code.in_(sorted(codes))))
    return {t.code: t for t in rows}


def point_by_public_id(session: Session, public_id: str) -> ServicePoint | None:
    """The point feedback is about, without its texts and lists (a submission needs its id,
    status, country and published numbers; anything else loads when touched)."""
    stmt = (
        select(ServicePoint)
        .where(ServicePoint.public_id == public_id)
        .options(lazyload(ServicePoint.translations), lazyload(ServicePoint.categories))
        .options(lazyload(ServicePoint.audiences), lazyload(ServicePoint.spoken_languages))
    )
    return session.scalars(stmt).first()


def by_id(session: Session, feedback_id: int) -> Feedback | None:
    return session.get(Feedback, feedback_id)


def by_idempotency_key(session: Session, key: str) -> Feedback | None:
    return session.scalars(select(Feedback).where(Feedback.idempotency_key == key)).first()


def by_receipts(session: Session, receipts: Collection[str]) -> dict[str, Feedback]:
    if not receipts:
        return {}
    rows = session.scalars(select(Feedback).where(Feedback.receipt.in_(sorted(receipts))))
    return {f.receipt: f for f in rows}


def add(session: Session, feedback: Feedback) -> bool:
    """Insert ``feedback``; False (and nothing inserted) when its idempotency key is taken."""
    try:
        with session.begin_nested():
            session.add(feedback)
            session.flush()
    except IntegrityError:
        return False
    return True


def rating_summary(session: Session, point_id: int) -> tuple[int, float | None]:
    """How many counted ratings a point has, and their average."""
    row = session.execute(
        select(func.count(Feedback.rating), func.avg(Feedback.rating)).where(
            Feedback.point_id == point_id, Feedback.rating.is_not(None), counts_clause()
        )
    ).one()
    return int(row[0]), float(row[1]) if row[1] is not None else None


def tag_counts(session: Session, point_id: int, since: dt.datetime) -> dict[str, int]:
    """Counted reports per tag on a point since ``since``."""
    rows = session.execute(
        select(FeedbackTagChoice.tag_code, func.count())
        .join(Feedback, Feedback.id == FeedbackTagChoice.feedback_id)
        .where(Feedback.point_id == point_id, Feedback.created_at >= since, counts_clause())
        .group_by(FeedbackTagChoice.tag_code)
    )
    return {code: int(n) for code, n in rows}


def _in_languages(bases: Collection[str]) -> ColumnElement[bool]:
    if not bases:
        return false()
    return or_(
        *(
            or_(Feedback.comment_lang == base, Feedback.comment_lang.like(f"{base}-%"))
            for base in sorted(bases)
        )
    )


def _approved_comments(point_id: int) -> list[ColumnElement[bool]]:
    return [
        Feedback.point_id == point_id,
        Feedback.status == FeedbackStatus.approved.value,
        Feedback.comment.is_not(None),
    ]


def latest_comments(
    session: Session, point_id: int, *, languages: Collection[str] | None, limit: int
) -> list[Feedback]:
    """Newest approved comments, in ``languages`` (base tags) or in any when ``None``."""
    stmt = select(Feedback).where(*_approved_comments(point_id))
    if languages is not None:
        stmt = stmt.where(_in_languages(languages))
    stmt = stmt.order_by(Feedback.created_at.desc(), Feedback.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def comment_counts(
    session: Session, point_id: int, *, languages: Collection[str]
) -> tuple[int, int]:
    """Approved comments (in ``languages``, in other languages)."""
    inside = _in_languages(languages)
    row = session.execute(
        select(
            func.count().filter(inside),
            func.count().filter(~inside if languages else true()),
        ).where(*_approved_comments(point_id))
    ).one()
    return int(row[0]), int(row[1])


def signal_reports(
    session: Session, point_id: int, tags: Collection[str], since: dt.datetime
) -> tuple[int, dt.datetime | None, dt.datetime | None]:
    """Counted reports on a point with any of ``tags`` since ``since``: count, first, last."""
    reporting = (
        select(FeedbackTagChoice.feedback_id)
        .where(FeedbackTagChoice.tag_code.in_(sorted(tags)))
        .scalar_subquery()
    )
    row = session.execute(
        select(func.count(), func.min(Feedback.created_at), func.max(Feedback.created_at)).where(
            Feedback.point_id == point_id,
            Feedback.created_at >= since,
            Feedback.id.in_(reporting),
            counts_clause(),
        )
    ).one()
    first, last = row[1], row[2]
    return int(row[0]), _aware(first), _aware(last)


def _aware(value: object) -> dt.datetime | None:
    """Aggregates bypass the column type on SQLite: parse and mark UTC."""
    if value is None:
        return None
    stamp = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(stamp, dt.datetime)
    return stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp.astimezone(dt.UTC)


def queue(
    session: Session,
    *,
    statuses: Collection[str],
    organization_ids: Collection[str] | None,
    include_general: bool,
    point_id: int | None,
    tag_code: str | None,
    held: bool | None,
    has_comment: bool | None,
    after_id: int | None,
    limit: int,
) -> list[tuple[Feedback, ServicePoint | None]]:
    """Feedback for moderators, oldest first; ``organization_ids=None`` means every point."""
    stmt = (
        select(Feedback, ServicePoint)
        .outerjoin(ServicePoint, ServicePoint.id == Feedback.point_id)
        .where(Feedback.status.in_(sorted(statuses)))
        .order_by(Feedback.id)
        .limit(limit)
    )
    scope: list[ColumnElement[bool]] = []
    if organization_ids is None:
        scope.append(Feedback.point_id.is_not(None))
    elif organization_ids:
        scope.append(ServicePoint.organization_id.in_(sorted(organization_ids)))
    if include_general:
        scope.append(Feedback.point_id.is_(None))
    stmt = stmt.where(or_(*scope) if scope else false())
    if point_id is not None:
        stmt = stmt.where(Feedback.point_id == point_id)
    if tag_code is not None:
        stmt = stmt.where(
            Feedback.id.in_(
                select(FeedbackTagChoice.feedback_id).where(FeedbackTagChoice.tag_code == tag_code)
            )
        )
    if held is not None:
        stmt = stmt.where(Feedback.held.is_(held))
    if has_comment is not None:
        stmt = stmt.where(
            Feedback.comment.is_not(None) if has_comment else Feedback.comment.is_(None)
        )
    if after_id is not None:
        stmt = stmt.where(Feedback.id > after_id)
    return [(row[0], row[1]) for row in session.execute(stmt)]
