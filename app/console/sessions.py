"""Console sessions: the cookie, the staff member behind it, and CSRF tokens.

Design (why a server-side session, and why this one):

- A console session *is* an accounts session: logging in calls ``accounts.service.login``
  (same password check, same throttling, same timing-safe refusal) and so opens a
  ``refresh_token`` row. The cookie carries that session's ``<session id>.<secret>``;
  the database keeps only the SHA-256 of the secret. Every request re-reads the row and
  the user, so logging out, an administrator deactivating the account, or revoking the
  session ends it at once; a copied database does not contain usable cookies.
- The cookie is ``HttpOnly`` (scripts cannot read it), ``SameSite=Lax`` (other sites
  cannot post with it), and lives ``RUMBO_CONSOLE_SESSION_HOURS`` (the row's expiry is
  shortened to match, so an old cookie is refused by the server too). Over HTTPS (the
  default, ``RUMBO_CONSOLE_COOKIE_SECURE``) it is a ``__Host-`` cookie: ``Secure``,
  ``Path=/``, no ``Domain``, which a page of another port or subdomain of the same host
  cannot set (cookie tossing); on local http it is a plain cookie scoped to ``/console``.
- CSRF: every form carries a synchroniser token tied to the session,
  HMAC-SHA256(secret key, session id). It cannot be computed without the server's key
  nor read by another site, changes with every login, and needs no storage. The login
  form (no session yet) uses the same construction over a random nonce kept in a
  short-lived (``__Host-``) cookie, so the form's token only matches the cookie it was
  issued with. And a form posted from another origin (``Sec-Fetch-Site`` other than
  ``same-origin``, or an ``Origin`` not this host) is refused before any token is looked at:
  a page on another port of the same host is same-site, but not same-origin.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from app.access.principal import Principal
from app.accounts import repository as accounts_repository
from app.accounts import security
from app.accounts import service as accounts_service
from app.accounts.models import Membership, Role
from app.db import utcnow
from app.ratelimit import RateLimiter
from app.settings import Settings

__all__ = [
    "COOKIE",
    "LANG_COOKIE",
    "LOGIN_COOKIE",
    "ConsoleUser",
    "CookieNames",
    "cookie_names",
    "csrf_matches",
    "csrf_token",
    "end_session",
    "from_this_origin",
    "new_login_nonce",
    "open_session",
    "user_from_cookie",
]

COOKIE = "rumbo_console"
LOGIN_COOKIE = "rumbo_console_login"
LANG_COOKIE = "rumbo_console_lang"
LOGIN_NONCE_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class CookieNames:
    session: str
    login: str
    path: str


_HOST_COOKIES = CookieNames(f"__Host-{COOKIE}", f"__Host-{LOGIN_COOKIE}", "/")
_PLAIN_COOKIES = CookieNames(COOKIE, LOGIN_COOKIE, "/console")


def cookie_names(settings: Settings) -> CookieNames:
    """``__Host-`` cookies over HTTPS (``Secure``), plain ones on local http."""
    return _HOST_COOKIES if settings.console_cookie_secure else _PLAIN_COOKIES


def from_this_origin(headers: Mapping[str, str], host: str | None) -> bool:
    """False for a form a browser posts from another origin (another port counts)."""
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = headers.get("origin")
    if origin is None:
        return True  # not a browser, or one that sends neither: the tokens decide
    if origin == "null" or not host:
        return False
    return urlsplit(origin).netloc.lower() == host.lower()


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    """The staff member using the console, and their session."""

    principal: Principal
    session_id: str
    email: str
    display_name: str | None
    expires_at: dt.datetime

    @property
    def label(self) -> str:
        return self.display_name or self.email


def _roles(memberships: list[Membership]) -> dict[str, frozenset[Role]]:
    grouped: dict[str, set[Role]] = {}
    for m in memberships:
        grouped.setdefault(m.organization_id, set()).add(Role(m.role))
    return {org: frozenset(roles) for org, roles in grouped.items()}


def open_session(
    session: Session,
    settings: Settings,
    limiter: RateLimiter,
    *,
    email: str,
    password: str,
    client_address: str,
) -> tuple[str, dt.datetime]:
    """Log in (the accounts rules: 401 wrong, 429 throttled); the cookie value and expiry."""
    pair = accounts_service.login(
        session,
        settings,
        limiter,
        email=email,
        password=password,
        client_address=client_address,
    )
    session_id, _ = security.parse_refresh_token(pair.refresh_token)
    row = accounts_repository.refresh_token_by_id(session, session_id)
    assert row is not None
    row.expires_at = min(
        row.expires_at, utcnow() + dt.timedelta(hours=settings.console_session_hours)
    )
    session.flush()
    return pair.refresh_token, row.expires_at


def user_from_cookie(session: Session, value: str | None) -> ConsoleUser | None:
    """The console user of a session cookie, or None (absent, forged, expired, revoked)."""
    if not value or len(value) > 200:
        return None
    try:
        session_id, secret = security.parse_refresh_token(value)
    except security.InvalidToken:
        return None
    row = accounts_repository.refresh_token_by_id(session, session_id)
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    if not security.digests_match(secret, row.token_hash):
        return None
    user = accounts_repository.user_by_id(session, row.user_id)
    if user is None or not user.is_active:
        return None
    principal = Principal(
        credential="password",
        user_id=user.id,
        session_id=row.id,
        is_admin=user.is_admin,
        roles=_roles(user.memberships),
        countries=frozenset(g.country_code for g in user.country_grants),
    )
    return ConsoleUser(
        principal=principal,
        session_id=row.id,
        email=user.email,
        display_name=user.display_name,
        expires_at=row.expires_at,
    )


def end_session(session: Session, user: ConsoleUser) -> None:
    """Log out: the session row is revoked, the cookie stops working everywhere."""
    accounts_service.logout(session, user.principal)


def _mac(settings: Settings, purpose: str, value: str) -> str:
    digest = hmac.new(
        settings.secret_key.encode(), f"{purpose}:{value}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def csrf_token(settings: Settings, *, session_id: str | None, login_nonce: str | None) -> str:
    """The CSRF token of a session (or, before login, of the login nonce)."""
    if session_id:
        return _mac(settings, "console-csrf", session_id)
    return _mac(settings, "console-login", login_nonce or "")


def csrf_matches(
    settings: Settings, sent: str | None, *, session_id: str | None, login_nonce: str | None
) -> bool:
    """True when ``sent`` is the token of this session (or login nonce)."""
    if not sent or len(sent) > 100 or not (session_id or login_nonce):
        return False
    expected = csrf_token(settings, session_id=session_id, login_nonce=login_nonce)
    return hmac.compare_digest(sent.encode(), expected.encode())


def new_login_nonce() -> str:
    return secrets.token_urlsafe(24)
