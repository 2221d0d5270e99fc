"""Staff accounts: who a credential is (principals), logging in, refreshing and revoking sessions.

Organisations, users and roles are in ``app.accounts.staff``; API keys in ``app.accounts.keys``.

Functions only ``flush``; the request's (or the CLI's) unit of work commits. Secrets are
returned to the caller once and never stored, logged or audited in clear.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.access.principal import Principal
from app.accounts import repository, security
from app.accounts.models import (
    Membership,
    RefreshToken,
    Role,
    StaffUser,
    new_id,
)
from app.db import utcnow
from app.errors import (
    Conflict,
    FieldError,
    TooManyRequests,
    Unauthorized,
    ValidationProblem,
)
from app.ratelimit import RateLimiter
from app.settings import Settings

__all__ = [
    "TokenPair",
    "issue_session",
    "login",
    "logout",
    "principal_from_access_token",
    "principal_from_api_key",
    "refresh",
    "roles_of",
    "token_grant",
]

# A bad credential never says which part was wrong.
_BAD_LOGIN = "incorrect e-mail address or password"
_BAD_TOKEN = "the credential is invalid, expired or revoked"  # noqa: S105
# last_used_at of an API key is written at most this often.
_LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_at: dt.datetime


def roles_of(memberships: list[Membership]) -> dict[str, frozenset[Role]]:
    grouped: dict[str, set[Role]] = {}
    for m in memberships:
        grouped.setdefault(m.organization_id, set()).add(Role(m.role))
    return {org: frozenset(roles) for org, roles in grouped.items()}


def principal_from_access_token(session: Session, settings: Settings, token: str) -> Principal:
    """The person behind an access token whose session is still open; else 401."""
    try:
        claims = security.decode_access_token(settings, token)
    except security.InvalidToken:
        raise Unauthorized(_BAD_TOKEN) from None
    row = repository.refresh_token_by_id(session, claims.session_id)
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise Unauthorized(_BAD_TOKEN)
    user = repository.user_by_id(session, claims.user_id)
    if user is None or not user.is_active or row.user_id != user.id:
        raise Unauthorized(_BAD_TOKEN)
    return Principal(
        credential="password",
        user_id=user.id,
        session_id=row.id,
        is_admin=user.is_admin,
        roles=roles_of(user.memberships),
        countries=frozenset(g.country_code for g in user.country_grants),
    )


def principal_from_api_key(session: Session, key: str) -> Principal:
    """The integration behind an API key that is neither revoked nor expired; else 401."""
    prefix = security.parse_api_key(key)
    row = repository.api_key_by_prefix(session, prefix) if prefix else None
    if row is None or not security.digests_match(key, row.key_hash):
        raise Unauthorized(_BAD_TOKEN)
    now = utcnow()
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        raise Unauthorized(_BAD_TOKEN)
    if row.created_by_user_id is not None and not repository.user_is_active(
        session, row.created_by_user_id
    ):  # a deactivated person's keys stop at once
        raise Unauthorized(_BAD_TOKEN)
    if row.last_used_at is None or now - row.last_used_at >= _LAST_USED_RESOLUTION:
        row.last_used_at = now
        session.flush()
    return Principal(
        credential="api_key",
        api_key_id=row.id,
        roles={row.organization_id: frozenset({Role(row.role)})},
    )


def issue_session(session: Session, settings: Settings, user: StaffUser) -> TokenPair:
    """Open a new session for ``user``: an access token and a refresh token."""
    now = utcnow()
    row = RefreshToken(
        user_id=user.id,
        token_hash="",
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.refresh_token_ttl_days),
    )
    row.id = new_id()
    refresh_token, row.token_hash = security.new_refresh_secret(row.id)
    session.add(row)
    session.flush()
    access, _ = security.encode_access_token(settings, user_id=user.id, session_id=row.id, now=now)
    return TokenPair(
        access_token=access,
        refresh_token=refresh_token,
        expires_in=settings.access_token_ttl_seconds,
        refresh_expires_at=row.expires_at,
    )


def login(
    session: Session,
    settings: Settings,
    limiter: RateLimiter,
    *,
    email: str,
    password: str,
    client_address: str,
) -> TokenPair:
    """Check a password and open a session; repeated failures are throttled (429).

    Failures lock out the (account, client) pair after a few; the account as a whole, after
    many more, refuses only clients that have not logged in to it recently, so an attacker
    elsewhere cannot lock its real user out; one client is limited over all accounts too.
    """
    account = email.strip().lower()
    known_for = settings.login_known_client_days * 86_400
    limits = [
        (settings.login_failures_per_account_client, ("login-pair", account, client_address)),
        (settings.login_failures_per_address, ("login-address", client_address)),
    ]
    account_limit = (settings.login_failures_per_account, ("login-account", account))
    known = limiter.remembers(known_for, "login-known", account, client_address)
    for limit, key in [*limits, *([] if known else [account_limit])]:
        decision = limiter.check(limit, *key)
        if not decision.allowed:
            raise TooManyRequests(
                "too many failed logins; wait before trying again",
                retry_after=decision.retry_after,
            )
    user = repository.user_by_email(session, email.strip())
    if user is None:
        security.dummy_verify(password)
        ok = False
    else:
        ok = security.verify_password(password, user.password_hash) and user.is_active
    if not ok or user is None:
        for limit, key in [*limits, account_limit]:
            limiter.hit(limit, *key)
        raise Unauthorized(_BAD_LOGIN)
    pair_limit, pair_key = limits[0]
    limiter.reset(pair_limit, *pair_key)
    limiter.remember(known_for, "login-known", account, client_address)
    user.last_login_at = utcnow()
    return issue_session(session, settings, user)


def token_grant(
    session: Session,
    settings: Settings,
    limiter: RateLimiter,
    *,
    grant_type: str,
    username: str | None,
    password: str | None,
    refresh_token: str | None,
    client_address: str,
) -> TokenPair | Unauthorized:
    """The OAuth2 token endpoint: ``password`` grant (log in) or ``refresh_token`` grant.

    Returns (rather than raises) a refusal whose side effect must be kept; see ``refresh``.
    """
    required = (
        (("refresh_token", refresh_token),)
        if grant_type == "refresh_token"
        else (("username", username), ("password", password))
    )
    errors = [
        FieldError(location="body", name=name, detail="field required")
        for name, value in required
        if not value
    ]
    if errors:
        raise ValidationProblem("; ".join(f"{e.name}: {e.detail}" for e in errors), errors=errors)
    if grant_type == "refresh_token":
        return refresh(session, settings, refresh_token or "")
    return login(
        session,
        settings,
        limiter,
        email=username or "",
        password=password or "",
        client_address=client_address,
    )


def refresh(session: Session, settings: Settings, token: str) -> TokenPair | Unauthorized:
    """Rotate a refresh token. Presenting an already-rotated token revokes the session.

    That refusal is *returned*, not raised, so the revocation is committed with the request.
    """
    try:
        session_id, secret = security.parse_refresh_token(token)
    except security.InvalidToken:
        raise Unauthorized(_BAD_TOKEN) from None
    row = repository.refresh_token_by_id(session, session_id)
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise Unauthorized(_BAD_TOKEN)
    if not security.digests_match(secret, row.token_hash):
        # An old token of this session came back: it was copied. End the session.
        row.revoked_at = now
        session.flush()
        return Unauthorized(_BAD_TOKEN)
    user = repository.user_by_id(session, row.user_id)
    if user is None or not user.is_active:
        raise Unauthorized(_BAD_TOKEN)
    new_token, row.token_hash = security.new_refresh_secret(row.id)
    row.rotated_at = now
    session.flush()
    access, _ = security.encode_access_token(settings, user_id=user.id, session_id=row.id, now=now)
    return TokenPair(
        access_token=access,
        refresh_token=new_token,
        expires_in=settings.access_token_ttl_seconds,
        refresh_expires_at=row.expires_at,
    )


def logout(session: Session, principal: Principal) -> None:
    """End the principal's session: its refresh token and access tokens stop working now."""
    if principal.session_id is None:
        raise Conflict("only a person's session can be logged out; revoke API keys instead")
    row = repository.refresh_token_by_id(session, principal.session_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
