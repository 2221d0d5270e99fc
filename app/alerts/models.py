"""Alerts, their translations, and Web Push subscriptions to alert topics.

``alert.id`` is internal; ``public_id`` (a UUID) is what every API and CAP document shows.
An alert is *active* while it is published, its ``effective_at`` has come and its
``expires_at`` has not: expiry is derived from the clock at read time, never written.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.organizations.models import Organization

__all__ = [
    "TRANSLATABLE_FIELDS",
    "Alert",
    "AlertCategory",
    "AlertStatus",
    "AlertTranslation",
    "Certainty",
    "PushSubscription",
    "PushTopic",
    "Severity",
    "Urgency",
]

AlertKey = BigInteger().with_variant(Integer, "sqlite")

TRANSLATABLE_FIELDS = ("title", "body", "instructions", "area_description")


class AlertStatus(enum.StrEnum):
    """Stored states. ``expired`` is never stored: it is ``published`` past ``expires_at``."""

    draft = "draft"
    published = "published"
    cancelled = "cancelled"


class AlertCategory(enum.StrEnum):
    border_route = "border_route"
    weather_hazard = "weather_hazard"
    security = "security"
    health = "health"
    service_change = "service_change"
    scam = "scam"
    legal_policy = "legal_policy"


class Severity(enum.StrEnum):
    """CAP 1.2 ``severity``, most severe first."""

    Extreme = "Extreme"
    Severe = "Severe"
    Moderate = "Moderate"
    Minor = "Minor"
    Unknown = "Unknown"


class Urgency(enum.StrEnum):
    Immediate = "Immediate"
    Expected = "Expected"
    Future = "Future"
    Past = "Past"
    Unknown = "Unknown"


class Certainty(enum.StrEnum):
    Observed = "Observed"
    Likely = "Likely"
    Possible = "Possible"
    Unlikely = "Unlikely"
    Unknown = "Unknown"


# Publishing these needs a second person (see app.alerts.service).
TWO_PERSON_SEVERITIES = frozenset({Severity.Extreme, Severity.Severe})


class Alert(Base):
    __tablename__ = "alert"
    __table_args__ = (
        Index("ix_alert_status_expires_at", "status", "expires_at"),
        Index("ix_alert_organization_id", "organization_id"),
    )

    id: Mapped[int] = mapped_column(AlertKey, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(
        String(36), unique=True, default=lambda: str(uuid.uuid4())
    )
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"))
    category: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(10))
    urgency: Mapped[str] = mapped_column(String(10))
    certainty: Mapped[str] = mapped_column(String(10))
    # The area as the API shows it: {"type": "Polygon"|"MultiPolygon", "coordinates": ...}
    # (split at the antimeridian), {"type": "Circle", "center": [lon, lat], "radius_m": n},
    # or {"type": "Countries", "countries": [...]}.
    area: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Countries the area covers or touches (derived): scopes sync, bundles, feeds, filters.
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    effective_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    source_url: Mapped[str | None] = mapped_column(String(500))
    source_title: Mapped[str | None] = mapped_column(String(300))
    original_language: Mapped[str] = mapped_column(String(35))
    status: Mapped[str] = mapped_column(String(12), default=AlertStatus.draft.value)
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False)
    # Actor ids (user, API key or "cli") that wrote its content: none of them may be the
    # second person who publishes a severe alert.
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(String(36))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    organization: Mapped[Organization] = relationship(lazy="joined")
    translations: Mapped[list[AlertTranslation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AlertTranslation.lang"
    )

    def is_active(self, now: dt.datetime) -> bool:
        return (
            self.status == AlertStatus.published.value
            and self.effective_at <= now < self.expires_at
        )


class AlertTranslation(Base):
    __tablename__ = "alert_translation"

    alert_id: Mapped[int] = mapped_column(
        AlertKey, ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True
    )
    lang: Mapped[str] = mapped_column(String(35), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    instructions: Mapped[str | None] = mapped_column(Text)
    area_description: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PushSubscription(Base):
    """A Web Push subscription (RFC 8030): the push service's endpoint and the keys to
    encrypt for it, and nothing else: no location, no account, no address."""

    __tablename__ = "push_subscription"
    __table_args__ = (Index("ix_push_subscription_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(AlertKey, primary_key=True, autoincrement=True)
    # SHA-256 of the endpoint: the unique key (endpoints are long URLs).
    endpoint_hash: Mapped[str] = mapped_column(String(64), unique=True)
    endpoint: Mapped[str] = mapped_column(String(1000))
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    topics: Mapped[list[PushTopic]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PushTopic.topic"
    )


class PushTopic(Base):
    """One topic of a subscription: ``country:PA`` or ``category:scam``."""

    __tablename__ = "push_topic"
    __table_args__ = (Index("ix_push_topic_topic", "topic", "subscription_id"),)

    subscription_id: Mapped[int] = mapped_column(
        AlertKey, ForeignKey("push_subscription.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(40), primary_key=True)
