"""Queries over categories and audiences."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.taxonomy.models import Audience, Category

__all__ = ["all_audiences", "all_categories", "descendants"]


def all_categories(session: Session) -> Sequence[Category]:
    return session.scalars(select(Category).order_by(Category.sort_order, Category.code)).all()


def all_audiences(session: Session) -> Sequence[Audience]:
    return session.scalars(select(Audience).order_by(Audience.sort_order, Audience.code)).all()


def descendants(session: Session, codes: Sequence[str]) -> set[str]:
    """The given category codes and every code below them in the tree."""
    parent_of = dict(session.execute(select(Category.code, Category.parent_code)).all())
    wanted = set(codes)
    changed = True
    while changed:
        children = {code for code, parent in parent_of.items() if parent in wanted}
        changed = not children <= wanted
        wanted |= children
    return wanted
