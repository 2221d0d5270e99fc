"""The stored public documents of service points (the read model, issue #15).

One row per point, view (``full``/``summary``) and language key: the key ``""`` is the
rendering for a request that names no language; a row keyed by a language tag exists only
where that language's rendering differs from the ``""`` one (its texts fall back along
another chain), so a read asks for ``lang IN ('', :tag)`` and prefers the tagged row.

The bytes are the API's compact JSON of the point, cut where the request or the time
decides: ``head`` ends with ``"lang_fallback":``, ``tail`` runs from after that boolean to
the end of the static shape (without the closing brace), ``verification`` is the
verification object without its closing brace. The columns after them are what the read
needs to splice ``distance_m``, ``open_now``, ``verification.stale`` and the alerts
covering the point, and to answer ``Content-Language`` (``served``) and the detail's
``ETag`` (``version``). ``hours`` and ``hours_until`` are the point's opening hours as the
instants their state changes, over a horizon of weeks ending at ``hours_until`` (UTC
minutes; :mod:`app.service_points.opening_weeks`): ``open_now`` is looked up there, and
evaluated from ``opening_hours`` outside the horizon or where ``hours`` is NULL.

View ``sync`` (key ``""`` only) holds a point's offline record, what sync pages and bundles
carry, in every language (``app.service_points.offline.stored_parts``): ``head`` is the
record before its texts, then each language's texts, ``tail`` the rest; ``served`` is its
original language (which every page carries); ``verification`` is empty.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

__all__ = ["DocumentSetting", "PointDocument"]


class PointDocument(Base):
    __tablename__ = "point_document"
    __table_args__ = (Index("ix_point_document_public_id", "public_id"),)

    point_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("service_point.id", ondelete="CASCADE"), primary_key=True
    )
    view: Mapped[str] = mapped_column(String(8), primary_key=True)
    lang: Mapped[str] = mapped_column(String(35), primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer)
    served: Mapped[str] = mapped_column(String(35))
    head: Mapped[bytes] = mapped_column(LargeBinary)
    tail: Mapped[bytes] = mapped_column(LargeBinary)
    verification: Mapped[bytes] = mapped_column(LargeBinary)
    published: Mapped[bool] = mapped_column(Boolean)
    opening_hours: Mapped[str | None] = mapped_column(String(500))
    timezone: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2))
    # The later of the last verification and the source's date, in microseconds since the
    # epoch (``app.service_points.freshness.fresh_since``); None: never vouched for.
    fresh_since_us: Mapped[int | None] = mapped_column(BigInteger)
    location_precision: Mapped[str] = mapped_column(String(16))
    # The public location (None when hidden): alerts cover what is shown.
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    hours: Mapped[bytes | None] = mapped_column(LargeBinary)
    hours_until: Mapped[int | None] = mapped_column(Integer)


class DocumentSetting(Base):
    """Settings the stored documents were built with (``default_language``): a server
    whose settings differ serves from the rendering path until ``rumbo documents rebuild``."""

    __tablename__ = "point_document_setting"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
