"""One-time links of the account lifecycle: password resets and invitations.

Both carry a token ``<row id>.<secret>`` shown once (or e-mailed); only the SHA-256 of the
secret is stored, with an expiry, and the row records when it was used, so a link works once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.accounts.models import new_id
from app.db import Base, UTCDateTime, utcnow

__all__ = ["Invitation", "PasswordReset"]


class PasswordReset(Base):
    """An administrator-issued, short-lived, single-use password reset link."""

    __tablename__ = "password_reset"
    __table_args__ = (Index("ix_password_reset_user_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_by_user_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Set when the link is used, or when a newer link for the same user replaces it.
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Invitation(Base):
    """An invitation to join an organisation with a role, which the invited person accepts."""

    __tablename__ = "invitation"
    __table_args__ = (Index("ix_invitation_organization_id", "organization_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    # Stored lowercased.
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_by_user_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    accepted_user_id: Mapped[str | None] = mapped_column(String(36))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
