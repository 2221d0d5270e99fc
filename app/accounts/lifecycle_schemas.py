"""Shapes of the account lifecycle API (passwords, resets, deactivation, lists, invitations)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from app.accounts.models import Role
from app.accounts.schemas import OrganizationRead, StaffUserRead

__all__ = [
    "InvitationAccept",
    "InvitationCreate",
    "InvitationCreated",
    "InvitationRead",
    "InvitationRegister",
    "LinkIssued",
    "MemberPage",
    "MemberRead",
    "OrganizationPage",
    "PasswordChange",
    "PasswordReset",
    "StaffUserPage",
]

_TOKEN = Field(min_length=20, max_length=200, description="The token of the one-time link")


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = _TOKEN
    new_password: str = Field(min_length=1, max_length=1024)


class LinkIssued(BaseModel):
    id: str
    expires_at: dt.datetime
    sent_by_email: bool = Field(description="True when the link was e-mailed to the person")
    url: str | None = Field(
        default=None, description="The link, when not e-mailed. Shown once: hand it over now."
    )


class OrganizationPage(BaseModel):
    items: list[OrganizationRead]
    next_cursor: str | None = None


class StaffUserPage(BaseModel):
    items: list[StaffUserRead]
    next_cursor: str | None = None


class MemberRead(BaseModel):
    user_id: str
    email: str
    role: Role
    created_at: dt.datetime


class MemberPage(BaseModel):
    items: list[MemberRead]
    next_cursor: str | None = None


class InvitationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: str = Field(min_length=3, max_length=254)
    role: Role


class InvitationRead(BaseModel):
    id: str
    organization: str
    email: str
    role: Role
    created_at: dt.datetime
    expires_at: dt.datetime


class InvitationCreated(InvitationRead):
    sent_by_email: bool
    url: str | None = Field(
        default=None, description="The link to accept, when not e-mailed. Shown once."
    )


class InvitationAccept(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = _TOKEN


class InvitationRegister(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    token: str = _TOKEN
    password: str = Field(min_length=1, max_length=1024)
    display_name: str | None = Field(default=None, max_length=200)
