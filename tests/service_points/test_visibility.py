"""The three visibility rules (``app.service_points.visibility``): each SQL clause selects
exactly the points its Python predicate accepts, for every status, deleted or not, and the
rules nest (searchable within readable, readable the same set as HSDS-visible)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.service_points import visibility
from app.service_points.models import PointStatus, ServicePoint
from tests.factories import make_organization, make_point

RULES = [
    (visibility.searchable, visibility.is_searchable),
    (visibility.readable, visibility.is_readable),
    (visibility.hsds_visible, visibility.is_hsds_visible),
]


def test_each_rule_selects_what_its_predicate_accepts(db):
    org = make_organization(db)
    points: list[ServicePoint] = []
    for status in PointStatus:
        for deleted in (False, True):
            point = make_point(db, org)
            point.status = status.value
            point.deleted_at = dt.datetime.now(dt.UTC) if deleted else None
            points.append(point)
    db.flush()
    ids = [p.id for p in points]
    sp = ServicePoint.__table__
    for clause, predicate in RULES:
        selected = set(db.scalars(select(sp.c.id).where(sp.c.id.in_(ids), clause())))
        assert selected == {p.id for p in points if predicate(p)}, clause.__name__

    by_rule = {
        clause.__name__: {p.id for p in points if predicate(p)} for clause, predicate in RULES
    }
    # published and temporarily closed, never deleted
    assert len(by_rule["searchable"]) == 2
    assert by_rule["searchable"] < by_rule["readable"]
    assert by_rule["readable"] == by_rule["hsds_visible"]
    assert all(
        p.status != PointStatus.draft.value and p.deleted_at is None
        for p in points
        if p.id in by_rule["readable"]
    )


def test_rules_apply_to_an_alias_of_the_table(db):
    """A rule is built over the table it is given (e.g. an alias in a self-join)."""
    alias = ServicePoint.__table__.alias("other")
    sql = str(visibility.searchable(alias).compile())
    assert "other.status" in sql and "other.deleted_at" in sql
