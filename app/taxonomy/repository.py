"""Queries over categories and audiences."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.taxonomy.models import Audience, Category, CategoryTranslation

__all__ = ["all_audiences", "all_categories", "category_words", "descendants"]


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


def category_words(session: Session) -> tuple[dict[str, str | None], dict[str, list[str]]]:
    """(parent of each category, its names and keywords in every language) for search
    documents; two small queries, loaded once per write or once per import."""
    parents: dict[str, str | None] = dict(
        session.execute(select(Category.code, Category.parent_code)).all()
    )
    words: dict[str, list[str]] = {}
    rows = session.execute(
        select(
            CategoryTranslation.category_code,
            CategoryTranslation.name,
            CategoryTranslation.keywords,
        ).order_by(CategoryTranslation.category_code, CategoryTranslation.lang)
    )
    for code, name, keywords in rows:
        words.setdefault(code, []).extend(w for w in (name, keywords) if w)
    return parents, words
