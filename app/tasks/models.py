"""Verification tasks: "go and check this point", opened when travellers' reports agree.

A task belongs to the organisation that keeps the point (through ``service_point``). At
most one task per point and kind is open at a time (a partial unique index enforces it on
both engines); verifying the point, or a staff decision, resolves it.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow

__all__ = ["WARNING_FOR_KIND", "Resolution", "TaskKind", "TaskStatus", "VerificationTask"]

TaskKey = BigInteger().with_variant(Integer, "sqlite")


class TaskKind(enum.StrEnum):
    """Why the point needs checking: reported closed, wrong details, or a safety concern."""

    closed = "closed"
    wrong_info = "wrong_info"
    safety = "safety"


class TaskStatus(enum.StrEnum):
    open = "open"
    resolved = "resolved"


class Resolution(enum.StrEnum):
    """``verified``: staff checked (and fixed) the point; ``dismissed``: the reports were wrong."""

    verified = "verified"
    dismissed = "dismissed"


# The public warning an open task puts on a point. Safety concerns go to staff only: an
# anonymous accusation is not published before somebody has checked it.
WARNING_FOR_KIND: dict[str, str] = {
    TaskKind.closed.value: "reported_closed",
    TaskKind.wrong_info.value: "reported_wrong_information",
}


class VerificationTask(Base):
    __tablename__ = "verification_task"
    __table_args__ = (
        Index(
            "uq_verification_task_open_point_kind",
            "point_id",
            "kind",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_verification_task_status_point_id", "status", "point_id"),
    )

    id: Mapped[int] = mapped_column(TaskKey, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(
        String(36), unique=True, default=lambda: str(uuid.uuid4())
    )
    point_id: Mapped[int] = mapped_column(
        TaskKey, ForeignKey("service_point.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=TaskStatus.open.value)
    # Independent reports behind the task, and when the first and latest arrived.
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    first_report_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_report_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_by_user_id: Mapped[str | None] = mapped_column(String(36))
    resolved_by_api_key_id: Mapped[str | None] = mapped_column(String(36))
    resolution: Mapped[str | None] = mapped_column(String(20))
    resolution_note: Mapped[str | None] = mapped_column(String(500))
