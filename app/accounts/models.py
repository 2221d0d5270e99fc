"""Staff accounts, their roles per organisation, refresh tokens and API keys.

No secret is stored in clear: passwords are Argon2 hashes, refresh tokens and API keys are
SHA-256 digests of high-entropy random strings (an API key keeps a short public prefix so
it can be looked up).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.access.roles import Role
from app.db import Base, UTCDateTime, utcnow

__all__ = ["ApiKey", "CountryEditor", "Membership", "RefreshToken", "Role", "StaffUser"]


def new_id() -> str:
    return str(uuid.uuid4())


class StaffUser(Base):
    __tablename__ = "staff_user"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # Stored lowercased; the login name.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="user"
    )
    country_grants: Mapped[list[CountryEditor]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CountryEditor.country_code"
    )


class Membership(Base):
    """One role of one user in one organisation (a user may hold several)."""

    __tablename__ = "membership"
    __table_args__ = (Index("ix_membership_organization_id", "organization_id"),)

    user_id: Mapped[str] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[StaffUser] = relationship(back_populates="memberships")


class CountryEditor(Base):
    """A user who may change the content of one country's curated information.

    Country content (the original-language text, its sources and review date) is otherwise
    the platform administrators' alone; translators only write the other languages. Granted
    by platform administrators, per country.
    """

    __tablename__ = "country_editor"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True
    )
    # ISO 3166-1 alpha-2; not a foreign key, so a grant may precede the country's content.
    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RefreshToken(Base):
    """One login session: a rotating refresh token (only its hash) and its revocation.

    The row id is the session id carried by access tokens (``sid``): revoking the row ends
    the session at once, access tokens included.
    """

    __tablename__ = "refresh_token"
    __table_args__ = (Index("ix_refresh_token_user_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    rotated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ApiKey(Base):
    """A credential for an integration, scoped to one organisation and one role."""

    __tablename__ = "api_key"
    __table_args__ = (Index("ix_api_key_organization_id", "organization_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # Public, shown in listings and used to find the key: ``rk_<prefix>_<secret>``.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    created_by_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
