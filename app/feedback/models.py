"""Anonymous feedback on service points and on the app, and the fixed list of tags.

Nothing here identifies the person who wrote: there is no account, no address, no device
id and no precise time of day in public views. ``comment`` holds the text *after*
redaction of phone numbers and e-mail addresses; the original is never stored.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow

__all__ = [
    "Feedback",
    "FeedbackStatus",
    "FeedbackTag",
    "FeedbackTagChoice",
    "FeedbackTagTranslation",
    "LangSource",
    "Signal",
    "TagScope",
]

FeedbackKey = BigInteger().with_variant(Integer, "sqlite")


class TagScope(enum.StrEnum):
    """Where a tag may be used: on a point, or in feedback about the app and its content."""

    point = "point"
    general = "general"


class Signal(enum.StrEnum):
    """What repeated reports with a tag mean for the point (see app.tasks)."""

    closed = "closed"
    wrong_info = "wrong_info"
    safety = "safety"


class FeedbackStatus(enum.StrEnum):
    """Moderation state.

    ``pending``: waiting for a moderator (its comment is not public; its rating and tags
    count unless it is ``held``). ``approved``: all of it is public. ``rejected`` and
    ``spam``: nothing of it is public or counted.
    """

    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    spam = "spam"


class LangSource(enum.StrEnum):
    declared = "declared"
    detected = "detected"
    unknown = "unknown"


class FeedbackTag(Base):
    __tablename__ = "feedback_tag"

    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))
    signal: Mapped[str | None] = mapped_column(String(20))
    sentiment: Mapped[str] = mapped_column(String(10))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    translations: Mapped[list[FeedbackTagTranslation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class FeedbackTagTranslation(Base):
    __tablename__ = "feedback_tag_translation"

    tag_code: Mapped[str] = mapped_column(
        ForeignKey("feedback_tag.code", ondelete="CASCADE"), primary_key=True
    )
    lang: Mapped[str] = mapped_column(String(35), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (
        Index("ix_feedback_point_id_created_at", "point_id", "created_at"),
        Index("ix_feedback_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(FeedbackKey, primary_key=True, autoincrement=True)
    # Given to the sender in the 202; shown to moderators. Random, says nothing about anyone.
    receipt: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    # NULL for feedback about the app or its content (POST /v1/feedback).
    point_id: Mapped[int | None] = mapped_column(
        FeedbackKey, ForeignKey("service_point.id", ondelete="CASCADE")
    )
    country: Mapped[str | None] = mapped_column(String(2))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    comment_lang: Mapped[str | None] = mapped_column(String(35))
    comment_lang_source: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default=FeedbackStatus.pending.value)
    # Held for a moderator before anything of it counts (a link, or a suspicious text).
    held: Mapped[bool] = mapped_column(Boolean, default=False)
    # False for a second submission by the same client on the same target the same day:
    # kept (nothing is lost) but not counted twice in ratings, tag counts and signals.
    counted: Mapped[bool] = mapped_column(Boolean, default=True)
    spam_score: Mapped[float] = mapped_column(Float, default=0.0)
    # Why it was held or redacted: "link", "phone_redacted", "email_redacted", "spam_suspect".
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # SHA-256 of the target and the redacted content: confirms a duplicate (no client data).
    content_digest: Mapped[str] = mapped_column(String(64))
    # SHA-256 of the client's Idempotency-Key header, when one was sent.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by_user_id: Mapped[str | None] = mapped_column(String(36))
    decided_by_api_key_id: Mapped[str | None] = mapped_column(String(36))
    decision_reason: Mapped[str | None] = mapped_column(String(500))

    tags: Mapped[list[FeedbackTagChoice]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="FeedbackTagChoice.tag_code"
    )

    @property
    def tag_codes(self) -> list[str]:
        return [t.tag_code for t in self.tags]


class FeedbackTagChoice(Base):
    __tablename__ = "feedback_tag_choice"
    __table_args__ = (Index("ix_feedback_tag_choice_tag_code", "tag_code", "feedback_id"),)

    feedback_id: Mapped[int] = mapped_column(
        FeedbackKey, ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True
    )
    tag_code: Mapped[str] = mapped_column(ForeignKey("feedback_tag.code"), primary_key=True)
