"""Categories (a translated hierarchy) and the audiences a point serves."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base


class Category(Base):
    __tablename__ = "category"

    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("category.code"))
    icon: Mapped[str | None] = mapped_column(String(50))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    translations: Mapped[list[CategoryTranslation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class CategoryTranslation(Base):
    __tablename__ = "category_translation"

    category_code: Mapped[str] = mapped_column(
        ForeignKey("category.code", ondelete="CASCADE"), primary_key=True
    )
    lang: Mapped[str] = mapped_column(String(35), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    # Space-separated synonyms people search for ("albergue refugio"), indexed for search.
    keywords: Mapped[str | None] = mapped_column(Text)


class Audience(Base):
    __tablename__ = "audience"

    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    translations: Mapped[list[AudienceTranslation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class AudienceTranslation(Base):
    __tablename__ = "audience_translation"

    audience_code: Mapped[str] = mapped_column(
        ForeignKey("audience.code", ondelete="CASCADE"), primary_key=True
    )
    lang: Mapped[str] = mapped_column(String(35), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
