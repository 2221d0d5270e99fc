"""Statements of the console: dashboard counts, the searchable list of points, staff lists.

``organization_ids=None`` means every organisation (platform administrators); otherwise
only points of the given organisations are counted or listed, so an editor never sees
another organisation's drafts here either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, exists, func, select, true
from sqlalchemy.orm import Session, aliased

from app.accounts.models import Membership, StaffUser
from app.audit.models import AuditEvent
from app.feedback.models import Feedback, FeedbackStatus
from app.geo.text import query_tokens
from app.organizations.models import Organization
from app.service_points import freshness
from app.service_points.models import (
    ServicePoint,
    ServicePointCategory,
    ServicePointTranslation,
)
from app.tasks.models import TaskStatus, VerificationTask

__all__ = [
    "PointFilters",
    "last_event",
    "missing_translations",
    "open_task_count",
    "organizations",
    "pending_feedback_count",
    "search_points",
    "staff_users",
    "stale_count",
    "status_counts",
]

SORTS = ("updated", "name", "status", "verified", "created")


@dataclass(frozen=True, slots=True)
class PointFilters:
    q: str | None = None
    status: str | None = None
    category: str | None = None
    country: str | None = None
    organization_id: str | None = None
    stale: bool = False
    missing: str | None = None
    sort: str = "updated"


def _scope(organization_ids: Sequence[str] | None) -> ColumnElement[bool]:
    if organization_ids is None:
        return true()
    return ServicePoint.organization_id.in_(sorted(organization_ids))


def _live(organization_ids: Sequence[str] | None) -> ColumnElement[bool]:
    return and_(_scope(organization_ids), ServicePoint.deleted_at.is_(None))


def _stale(verified_before: dt.datetime) -> ColumnElement[bool]:
    return freshness.stale_clause(verified_before)


def status_counts(session: Session, *, organization_ids: Sequence[str] | None) -> dict[str, int]:
    stmt = (
        select(ServicePoint.status, func.count())
        .where(_live(organization_ids))
        .group_by(ServicePoint.status)
    )
    return {status: int(n) for status, n in session.execute(stmt)}


def stale_count(
    session: Session, *, organization_ids: Sequence[str] | None, verified_before: dt.datetime
) -> int:
    stmt = select(func.count()).where(_live(organization_ids), _stale(verified_before))
    return int(session.scalar(stmt) or 0)


def missing_translations(
    session: Session, *, organization_ids: Sequence[str] | None, languages: Sequence[str]
) -> dict[str, int]:
    """For each language, how many live points have no translation in it."""
    total = int(session.scalar(select(func.count()).where(_live(organization_ids))) or 0)
    have = dict(
        session.execute(
            select(ServicePointTranslation.lang, func.count())
            .join(ServicePoint, ServicePoint.id == ServicePointTranslation.point_id)
            .where(_live(organization_ids), ServicePointTranslation.lang.in_(list(languages)))
            .group_by(ServicePointTranslation.lang)
        ).all()
    )
    return {lang: total - int(have.get(lang, 0)) for lang in languages}


def pending_feedback_count(session: Session, *, organization_ids: Sequence[str] | None) -> int:
    stmt = (
        select(func.count())
        .select_from(Feedback)
        .join(ServicePoint, ServicePoint.id == Feedback.point_id)
        .where(Feedback.status == FeedbackStatus.pending.value, _scope(organization_ids))
    )
    return int(session.scalar(stmt) or 0)


def open_task_count(session: Session, *, organization_ids: Sequence[str] | None) -> int:
    stmt = (
        select(func.count())
        .select_from(VerificationTask)
        .join(ServicePoint, ServicePoint.id == VerificationTask.point_id)
        .where(VerificationTask.status == TaskStatus.open.value, _scope(organization_ids))
    )
    return int(session.scalar(stmt) or 0)


def _filtered(
    stmt: Select[ServicePoint],
    filters: PointFilters,
    organization_ids: Sequence[str] | None,
    verified_before: dt.datetime,
) -> Select[ServicePoint]:
    stmt = stmt.where(_live(organization_ids))
    for token in query_tokens(filters.q or ""):
        stmt = stmt.where(ServicePoint.search_text.contains(token, autoescape=True))
    if filters.status:
        stmt = stmt.where(ServicePoint.status == filters.status)
    if filters.country:
        stmt = stmt.where(ServicePoint.country == filters.country)
    if filters.organization_id:
        stmt = stmt.where(ServicePoint.organization_id == filters.organization_id)
    if filters.category:
        stmt = stmt.where(
            exists().where(
                ServicePointCategory.point_id == ServicePoint.id,
                ServicePointCategory.category_code == filters.category,
            )
        )
    if filters.stale:
        stmt = stmt.where(_stale(verified_before))
    if filters.missing:
        stmt = stmt.where(
            ~exists().where(
                ServicePointTranslation.point_id == ServicePoint.id,
                ServicePointTranslation.lang == filters.missing,
            )
        )
    return stmt


def search_points(
    session: Session,
    *,
    organization_ids: Sequence[str] | None,
    filters: PointFilters,
    verified_before: dt.datetime,
    offset: int,
    limit: int,
) -> tuple[list[ServicePoint], int]:
    """One page of points matching ``filters``, and how many match in all."""
    base = _filtered(select(ServicePoint), filters, organization_ids, verified_before)
    total = int(session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    original = aliased(ServicePointTranslation)
    stmt = base.outerjoin(
        original,
        and_(
            original.point_id == ServicePoint.id,
            original.lang == ServicePoint.original_language,
        ),
    )
    order = {
        "name": (func.lower(original.name), ServicePoint.id),
        "status": (ServicePoint.status, func.lower(original.name), ServicePoint.id),
        "verified": (
            ServicePoint.last_verified_at.is_(None).desc(),
            ServicePoint.last_verified_at,
            ServicePoint.id,
        ),
        "created": (ServicePoint.created_at.desc(), ServicePoint.id.desc()),
        "updated": (ServicePoint.updated_at.desc(), ServicePoint.id.desc()),
    }[filters.sort if filters.sort in SORTS else "updated"]
    stmt = stmt.order_by(*order).offset(offset).limit(limit)
    return list(session.scalars(stmt).unique()), total


def organizations(session: Session, ids: Sequence[str] | None) -> list[Organization]:
    """Organisations by id (every one for ``None``), by name."""
    stmt = select(Organization).order_by(Organization.name, Organization.slug)
    if ids is not None:
        stmt = stmt.where(Organization.id.in_(sorted(ids)))
    return list(session.scalars(stmt))


def staff_users(session: Session, *, organization_ids: Sequence[str] | None) -> list[StaffUser]:
    """Accounts with a role in the given organisations (every account for ``None``)."""
    stmt = select(StaffUser).order_by(StaffUser.email)
    if organization_ids is not None:
        stmt = stmt.where(
            exists().where(
                Membership.user_id == StaffUser.id,
                Membership.organization_id.in_(sorted(organization_ids)),
            )
        )
    return list(session.scalars(stmt))


def last_event(session: Session, *, entity_type: str, entity_id: str) -> AuditEvent | None:
    """The latest recorded change of an entity (who changed it last)."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()
