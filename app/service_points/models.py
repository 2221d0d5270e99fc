"""Service points: places that offer services to people on the move.

``service_point.id`` is an internal integer (the R*Tree and FTS5 rowid on SQLite);
``public_id`` (a UUID) is the stable identifier every API shows.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.organizations.models import Organization

PointKey = BigInteger().with_variant(Integer, "sqlite")

TRANSLATABLE_FIELDS = ("name", "description", "address", "documents_required", "accessibility")


class PointStatus(enum.StrEnum):
    draft = "draft"
    published = "published"
    temporarily_closed = "temporarily_closed"
    permanently_closed = "permanently_closed"


# Statuses the public sees: a closed point stays visible so travellers learn it closed.
PUBLIC_STATUSES = (
    PointStatus.published,
    PointStatus.temporarily_closed,
    PointStatus.permanently_closed,
)


class ServicePoint(Base):
    __tablename__ = "service_point"
    __table_args__ = (
        Index("ix_service_point_status_country", "status", "country"),
        Index("ix_service_point_organization_id", "organization_id"),
    )

    id: Mapped[int] = mapped_column(PointKey, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(
        String(36), unique=True, default=lambda: str(uuid.uuid4())
    )
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    # How much of the place the public may learn (``app.service_points.precision``):
    # exact, approximate (a ~1 km grid cell's centre) or hidden. ``public_lat``/``public_lon``
    # hold what the public sees (NULL when hidden); the spatial indexes are built on them.
    location_precision: Mapped[str] = mapped_column(
        String(12), default="exact", server_default="exact"
    )
    public_lat: Mapped[float | None] = mapped_column(Float)
    public_lon: Mapped[float | None] = mapped_column(Float)
    country: Mapped[str] = mapped_column(String(2))
    locality: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))
    phones: Mapped[list[str]] = mapped_column(JSON, default=list)
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(500))
    whatsapp: Mapped[str | None] = mapped_column(String(20))
    opening_hours: Mapped[str | None] = mapped_column(String(500))
    free: Mapped[bool | None] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20), default=PointStatus.draft.value)
    original_language: Mapped[str] = mapped_column(String(35))
    source_title: Mapped[str | None] = mapped_column(String(300))
    source_url: Mapped[str | None] = mapped_column(String(500))
    source_publisher: Mapped[str | None] = mapped_column(String(300))
    # The date the source's facts are "as of" (its publication or extract date). Not a
    # verification: freshness counts from the later of this and ``last_verified_at``.
    source_as_of: Mapped[dt.date | None] = mapped_column(Date)
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False)
    last_verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    verified_by_organization_id: Mapped[str | None] = mapped_column(ForeignKey("organization.id"))
    # Every translation, category name and keyword, lowercased and without diacritics:
    # the document both full-text backends index.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    organization: Mapped[Organization] = relationship(foreign_keys=[organization_id], lazy="joined")
    verified_by: Mapped[Organization | None] = relationship(
        foreign_keys=[verified_by_organization_id], lazy="joined"
    )
    translations: Mapped[list[ServicePointTranslation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ServicePointTranslation.lang"
    )
    categories: Mapped[list[ServicePointCategory]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ServicePointCategory.position"
    )
    audiences: Mapped[list[ServicePointAudience]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    spoken_languages: Mapped[list[ServicePointLanguage]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def category_codes(self) -> list[str]:
        return [c.category_code for c in self.categories]


class ServicePointTranslation(Base):
    __tablename__ = "service_point_translation"

    point_id: Mapped[int] = mapped_column(
        ForeignKey("service_point.id", ondelete="CASCADE"), primary_key=True
    )
    lang: Mapped[str] = mapped_column(String(35), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(500))
    documents_required: Mapped[str | None] = mapped_column(Text)
    accessibility: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ServicePointCategory(Base):
    __tablename__ = "service_point_category"
    __table_args__ = (Index("ix_service_point_category_code", "category_code", "point_id"),)

    point_id: Mapped[int] = mapped_column(
        ForeignKey("service_point.id", ondelete="CASCADE"), primary_key=True
    )
    category_code: Mapped[str] = mapped_column(ForeignKey("category.code"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ServicePointAudience(Base):
    __tablename__ = "service_point_audience"
    __table_args__ = (Index("ix_service_point_audience_code", "audience_code", "point_id"),)

    point_id: Mapped[int] = mapped_column(
        ForeignKey("service_point.id", ondelete="CASCADE"), primary_key=True
    )
    audience_code: Mapped[str] = mapped_column(ForeignKey("audience.code"), primary_key=True)


class ServicePointLanguage(Base):
    __tablename__ = "service_point_language"
    __table_args__ = (Index("ix_service_point_language_lang", "lang", "point_id"),)

    point_id: Mapped[int] = mapped_column(
        ForeignKey("service_point.id", ondelete="CASCADE"), primary_key=True
    )
    lang: Mapped[str] = mapped_column(String(35), primary_key=True)
