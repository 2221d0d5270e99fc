"""Shapes of the authentication and account API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from app.accounts.models import Role

__all__ = [
    "ApiKeyCreate",
    "ApiKeyCreated",
    "ApiKeyRead",
    "MembershipRead",
    "OrganizationCreate",
    "OrganizationRead",
    "RefreshRequest",
    "StaffUserCreate",
    "StaffUserRead",
    "TokenResponse",
    "WhoAmI",
]


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  (OAuth2 token type, not a secret)
    expires_in: int = Field(description="Seconds until the access token expires")
    refresh_token: str = Field(description="Send to /v1/auth/token (grant_type=refresh_token)")
    refresh_expires_at: dt.datetime


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=200)


class MembershipRead(BaseModel):
    organization: str = Field(description="Organisation id (slug)")
    organization_name: str
    role: Role


class WhoAmI(BaseModel):
    credential: Literal["password", "api_key", "cli"]
    user_id: str | None = None
    email: str | None = None
    api_key_id: str | None = None
    is_admin: bool
    memberships: list[MembershipRead]
    country_editor_of: list[str] = Field(
        default_factory=list, description="Countries whose curated content this person edits"
    )


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    organization: str = Field(min_length=1, max_length=100, description="Organisation id (slug)")
    role: Role
    name: str = Field(min_length=1, max_length=200, description="What the key is for")
    expires_at: AwareDatetime | None = Field(
        default=None, description="With its time zone, e.g. 2027-01-31T00:00:00-05:00"
    )


class ApiKeyRead(BaseModel):
    id: str
    prefix: str
    name: str
    organization: str
    role: Role
    created_at: dt.datetime
    expires_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The key itself. Shown once: store it now.")


class StaffUserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)
    display_name: str | None = Field(default=None, max_length=200)
    is_admin: bool = False


class StaffUserRead(BaseModel):
    id: str
    email: str
    display_name: str | None = None
    is_admin: bool
    is_active: bool
    memberships: list[MembershipRead] = Field(
        description="Roles in the organisations the caller belongs to (all, for platform "
        "administrators)"
    )
    country_editor_of: list[str] = Field(
        default_factory=list, description="Countries whose curated content this person edits"
    )


class OrganizationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=2, max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1, max_length=300)
    country: str | None = Field(default=None, min_length=2, max_length=2)


class OrganizationRead(BaseModel):
    id: str
    name: str
    country: str | None = None
