"""Area services and their translations.

An area service serves an *area* (``{"type": "Countries"|"Polygon"|"MultiPolygon"|"Circle"}``,
normalised by :mod:`app.geo.areas`) through contact channels; it may have no public location
at all (a hotline, an online service). ``point_id`` links it to the service point it belongs
to when it has a door somewhere too (a mobile team based at a clinic). ``area_service.id`` is
internal; ``public_id`` (a UUID) is what every API shows.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
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
    from app.service_points.models import ServicePoint

__all__ = ["TRANSLATABLE_FIELDS", "AreaService", "AreaServiceStatus", "AreaServiceTranslation"]

AreaKey = BigInteger().with_variant(Integer, "sqlite")

TRANSLATABLE_FIELDS = ("name", "description")


class AreaServiceStatus(enum.StrEnum):
    draft = "draft"
    published = "published"
    temporarily_closed = "temporarily_closed"
    permanently_closed = "permanently_closed"


# What the public sees (a closed line stays listed a while so people learn it closed).
PUBLIC_STATUSES = ("published", "temporarily_closed")


class AreaService(Base):
    __tablename__ = "area_service"
    __table_args__ = (
        Index("ix_area_service_status", "status"),
        Index("ix_area_service_organization_id", "organization_id"),
    )

    id: Mapped[int] = mapped_column(AreaKey, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(
        String(36), unique=True, default=lambda: str(uuid.uuid4())
    )
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"))
    point_id: Mapped[int | None] = mapped_column(
        AreaKey, ForeignKey("service_point.id", ondelete="SET NULL")
    )
    # The area as the API shows it (see app.geo.areas.normalise_area).
    area: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Countries the area covers or touches (derived): scopes sync, bundles, filters.
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    spoken_languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    phones: Mapped[list[str]] = mapped_column(JSON, default=list)
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(500))
    whatsapp: Mapped[str | None] = mapped_column(String(20))
    opening_hours: Mapped[str | None] = mapped_column(String(500))
    free: Mapped[bool | None] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20), default=AreaServiceStatus.draft.value)
    original_language: Mapped[str] = mapped_column(String(35))
    source_title: Mapped[str | None] = mapped_column(String(300))
    source_url: Mapped[str | None] = mapped_column(String(500))
    source_publisher: Mapped[str | None] = mapped_column(String(300))
    source_as_of: Mapped[dt.date | None] = mapped_column(Date)
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    organization: Mapped[Organization] = relationship(lazy="joined")
    point: Mapped[ServicePoint | None] = relationship(lazy="joined")
    translations: Mapped[list[AreaServiceTranslation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AreaServiceTranslation.lang"
    )


class AreaServiceTranslation(Base):
    __tablename__ = "area_service_translation"

    area_service_id: Mapped[int] = mapped_column(
        AreaKey, ForeignKey("area_service.id", ondelete="CASCADE"), primary_key=True
    )
    lang: Mapped[str] = mapped_column(String(35), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
