"""Queries over the language table."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.languages.models import Language

__all__ = ["enabled_tags", "list_languages"]


def list_languages(session: Session) -> Sequence[Language]:
    return session.scalars(select(Language).where(Language.enabled).order_by(Language.tag)).all()


def enabled_tags(session: Session) -> list[str]:
    return list(session.scalars(select(Language.tag).where(Language.enabled)).all())
