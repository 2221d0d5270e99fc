"""Statements behind the HSDS API: public points and the organisations that run them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from app.organizations.models import Organization
from app.service_points.models import ServicePoint
from app.service_points.visibility import hsds_visible

__all__ = [
    "iter_points",
    "load_points",
    "modified_since",
    "organization_by_id",
    "organizations_page",
    "page_of_points",
    "point_ids_of_organization",
    "public_clause",
    "public_point",
]

_sp = ServicePoint.__table__


def public_clause() -> ColumnElement[bool]:
    """Points HSDS shows: published, temporarily or permanently closed; never drafts."""
    return hsds_visible(_sp)


def modified_since(since: dt.datetime) -> ColumnElement[bool]:
    return ServicePoint.updated_at >= since


def page_of_points(
    session: Session, *, where: Sequence[ColumnElement[bool]], offset: int, limit: int
) -> tuple[int, list[ServicePoint]]:
    """(total matching, one page of points by id)."""
    total = session.scalar(select(func.count()).select_from(_sp).where(public_clause(), *where))
    ids = list(
        session.scalars(
            select(_sp.c.id)
            .where(public_clause(), *where)
            .order_by(_sp.c.id)
            .offset(offset)
            .limit(limit)
        )
    )
    return int(total or 0), _load(session, ids)


def _load(session: Session, ids: list[int]) -> list[ServicePoint]:
    if not ids:
        return []
    found = {p.id: p for p in session.scalars(select(ServicePoint).where(ServicePoint.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def iter_points(
    session: Session, *, where: Sequence[ColumnElement[bool]], batch: int = 200
) -> Iterator[ServicePoint]:
    """Every matching public point by id, loaded ``batch`` at a time (keyset, not offset)."""
    after = 0
    while True:
        ids = list(
            session.scalars(
                select(_sp.c.id)
                .where(public_clause(), _sp.c.id > after, *where)
                .order_by(_sp.c.id)
                .limit(batch)
            )
        )
        if not ids:
            return
        yield from _load(session, ids)
        session.expunge_all()
        after = ids[-1]


def public_point(session: Session, public_id: str) -> ServicePoint | None:
    return session.scalars(
        select(ServicePoint).where(ServicePoint.public_id == public_id, public_clause())
    ).first()


def _with_public_points() -> ColumnElement[bool]:
    return Organization.id.in_(select(_sp.c.organization_id).where(public_clause()))


def organizations_page(
    session: Session, *, search: str | None, offset: int, limit: int
) -> tuple[int, list[Organization]]:
    """Organisations that run at least one public point, by name."""
    clauses = [_with_public_points()]
    if search:
        needle = f"%{search.lower()}%"
        clauses.append(
            func.lower(Organization.name).like(needle) | func.lower(Organization.slug).like(needle)
        )
    total = session.scalar(select(func.count()).select_from(Organization).where(*clauses))
    rows = session.scalars(
        select(Organization)
        .where(*clauses)
        .order_by(Organization.name, Organization.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return int(total or 0), list(rows)


def organization_by_id(session: Session, organization_id: str) -> Organization | None:
    return session.scalars(
        select(Organization).where(Organization.id == organization_id, _with_public_points())
    ).first()


def point_ids_of_organization(session: Session, organization_id: str) -> list[int]:
    return list(
        session.scalars(
            select(_sp.c.id)
            .where(public_clause(), _sp.c.organization_id == organization_id)
            .order_by(_sp.c.id)
        )
    )


def load_points(session: Session, ids: list[int]) -> list[ServicePoint]:
    """Points by internal id, in the given order."""
    return _load(session, ids)
