"""The account lifecycle: changing one's password, reset links, deactivation.

- ``change_password``: the current password is required; every other session of the user
  (API refresh tokens and console sessions alike: both are ``refresh_token`` rows) ends.
- ``issue_reset`` / ``use_reset``: an administrator makes a one-time link (short-lived,
  single use, only the SHA-256 of its secret stored); e-mailed when SMTP is configured,
  else returned once. Using it sets a new password and ends every session.
- ``set_active``: deactivating ends the user's sessions and revokes the API keys they
  created; authentication refuses an inactive user (and keys whose creator is inactive) at
  once; reactivating revives none of them.

Who may administer an account (reset, deactivate): a platform administrator; or an
organisation administrator when every organisation the user belongs to is one they
administer (and the user is not a platform administrator). Every change is audited; no
secret is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.access.principal import Principal
from app.accounts import mail, passwords, repository, security
from app.accounts.link_models import PasswordReset
from app.accounts.models import ApiKey, RefreshToken, Role, StaffUser, new_id
from app.audit import service as audit
from app.db import utcnow
from app.errors import Conflict, Forbidden, NotFound, TooManyRequests, ValidationProblem
from app.ratelimit import RateLimiter
from app.settings import Settings

__all__ = [
    "IssuedLink",
    "administrable_user",
    "change_password",
    "check_new_password",
    "issue_reset",
    "may_administer",
    "reset_target",
    "revoke_sessions",
    "set_active",
    "use_reset",
]

_BAD_LINK = "this link is invalid, expired or already used"


@dataclass(frozen=True, slots=True)
class IssuedLink:
    """A one-time link just made: ``url`` is set when it was not e-mailed (shown once)."""

    id: str
    expires_at: dt.datetime
    sent_by_email: bool
    url: str | None


def check_new_password(settings: Settings, password: str, *, email: str, field: str) -> None:
    """422 naming ``field`` when ``password`` breaks the rules of ``app.accounts.passwords``."""
    try:
        passwords.check(
            password,
            min_length=settings.password_min_length,
            max_length=settings.password_max_length,
            email=email,
        )
    except passwords.WeakPassword as exc:
        raise ValidationProblem.for_field("body", field, str(exc), pointer=f"/{field}") from None


def revoke_sessions(session: Session, user_id: str, *, keep: str | None = None) -> int:
    """End every open session of ``user_id`` (but ``keep``); how many were ended."""
    stmt = (
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if keep is not None:
        stmt = stmt.where(RefreshToken.id != keep)
    result = session.execute(stmt.execution_options(synchronize_session="fetch"))
    return int(getattr(result, "rowcount", 0) or 0)


def _set_password(session: Session, user: StaffUser, password: str) -> None:
    user.password_hash = security.hash_password(password)
    user.password_changed_at = utcnow()
    session.flush()


def change_password(
    session: Session,
    settings: Settings,
    limiter: RateLimiter,
    *,
    actor: Principal,
    current_password: str,
    new_password: str,
) -> int:
    """Change the actor's own password; the other sessions end. Returns how many ended.

    A wrong current password is a 422 on ``current_password``; repeated failures are
    throttled like logins (per account).
    """
    if actor.user_id is None:
        raise Conflict("only a person has a password; API keys are rotated instead")
    user = repository.user_by_id(session, actor.user_id)
    if user is None:
        raise NotFound("no such staff user")
    limit = settings.login_failures_per_account_client
    decision = limiter.check(limit, "password-change", user.id)
    if not decision.allowed:
        raise TooManyRequests(
            "too many wrong passwords; wait before trying again", retry_after=decision.retry_after
        )
    if not security.verify_password(current_password, user.password_hash):
        limiter.hit(limit, "password-change", user.id)
        raise ValidationProblem.for_field(
            "body", "current_password", "is not your current password", pointer="/current_password"
        )
    if new_password == current_password:
        raise ValidationProblem.for_field(
            "body", "new_password", "must differ from the current one", pointer="/new_password"
        )
    check_new_password(settings, new_password, email=user.email, field="new_password")
    _set_password(session, user, new_password)
    ended = revoke_sessions(session, user.id, keep=actor.session_id)
    audit.record(
        session,
        actor=actor,
        organization_id=None,
        entity_type="staff_user",
        entity_id=user.id,
        action="change_password",
        changes={"sessions_ended": [None, ended]},
    )
    return ended


def may_administer(actor: Principal, user: StaffUser) -> bool:
    """True when ``actor`` may reset or deactivate ``user`` (see the module docstring)."""
    if actor.is_admin:
        return True
    if user.is_admin or not user.memberships:
        return False
    return all(actor.can(m.organization_id, Role.admin) for m in user.memberships)


def administrable_user(session: Session, actor: Principal, user_id: str) -> StaffUser:
    """The user ``user_id`` when ``actor`` may administer it: 404 when the actor shares no
    organisation with it, 403 when it does but the user is beyond its reach."""
    user = repository.user_by_id(session, user_id)
    visible = user is not None and (
        actor.is_admin or any(actor.is_member(m.organization_id) for m in user.memberships)
    )
    if user is None or not visible:
        raise NotFound(f"no staff user with id {user_id!r}")
    if not may_administer(actor, user):
        raise Forbidden(
            "only platform administrators manage accounts that belong to organisations "
            "you do not administer"
        )
    return user


def issue_reset(
    session: Session, settings: Settings, *, actor: Principal, user_id: str, base_url: str
) -> IssuedLink:
    """A one-time reset link for ``user_id``; earlier unused links of the user stop working."""
    user = administrable_user(session, actor, user_id)
    if not user.is_active:
        raise Conflict("the account is deactivated; reactivate it first")
    now = utcnow()
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session="fetch")
    )
    row = PasswordReset(
        id=new_id(),
        user_id=user.id,
        token_hash="",
        created_by_user_id=actor.user_id,
        created_at=now,
        expires_at=now + dt.timedelta(minutes=settings.password_reset_minutes),
    )
    token, row.token_hash = security.new_refresh_secret(row.id)
    session.add(row)
    session.flush()
    url = f"{base_url.rstrip('/')}/console/reset?token={token}"
    emailed = mail.enabled(settings)
    audit.record(
        session,
        actor=actor,
        organization_id=None,
        entity_type="staff_user",
        entity_id=user.id,
        action="issue_password_reset",
        changes={"expires_at": [None, row.expires_at], "sent_by_email": [None, emailed]},
    )
    if emailed:
        mail.send(
            settings,
            to=user.email,
            subject="Rumbo: set a new password",
            body=(
                "An administrator of Rumbo made this link for you to set a new password.\n"
                f"It works once, until {row.expires_at:%Y-%m-%d %H:%M} UTC:\n\n{url}\n\n"
                "If you did not expect it, ignore this message.\n"
            ),
        )
    return IssuedLink(
        id=row.id, expires_at=row.expires_at, sent_by_email=emailed, url=None if emailed else url
    )


def _reset_row(session: Session, token: str) -> PasswordReset:
    try:
        row_id, secret = security.parse_refresh_token(token)
    except security.InvalidToken:
        raise ValidationProblem.for_field("body", "token", _BAD_LINK, pointer="/token") from None
    row = session.get(PasswordReset, row_id)
    if (
        row is None
        or row.used_at is not None
        or row.expires_at <= utcnow()
        or not security.digests_match(secret, row.token_hash)
    ):
        raise ValidationProblem.for_field("body", "token", _BAD_LINK, pointer="/token")
    return row


def _reset_user(session: Session, row: PasswordReset) -> StaffUser:
    user = repository.user_by_id(session, row.user_id)
    if user is None or not user.is_active:
        raise ValidationProblem.for_field("body", "token", _BAD_LINK, pointer="/token")
    return user


def reset_target(session: Session, token: str) -> StaffUser:
    """The (active) account a reset token is for; 422 on ``token`` otherwise."""
    return _reset_user(session, _reset_row(session, token))


def use_reset(session: Session, settings: Settings, *, token: str, new_password: str) -> StaffUser:
    """Set a new password with a reset link (once); every session of the user ends."""
    row = _reset_row(session, token)
    user = _reset_user(session, row)
    check_new_password(settings, new_password, email=user.email, field="new_password")
    row.used_at = utcnow()
    _set_password(session, user, new_password)
    ended = revoke_sessions(session, user.id)
    audit.record(
        session,
        actor=Principal(credential="password", user_id=user.id),
        organization_id=None,
        entity_type="staff_user",
        entity_id=user.id,
        action="use_password_reset",
        changes={"sessions_ended": [None, ended]},
    )
    return user


def set_active(session: Session, *, actor: Principal, user_id: str, active: bool) -> StaffUser:
    """Deactivate (sessions end, the user's API keys are revoked) or reactivate an account."""
    user = administrable_user(session, actor, user_id)
    if not active and user.id == actor.user_id:
        raise Conflict("you cannot deactivate your own account")
    if user.is_active == active:
        return user
    user.is_active = active
    changes: dict[str, list[object]] = {"is_active": [not active, active]}
    if not active:
        now = utcnow()
        changes["sessions_ended"] = [None, revoke_sessions(session, user.id)]
        keys = list(
            session.scalars(
                select(ApiKey).where(
                    ApiKey.created_by_user_id == user.id, ApiKey.revoked_at.is_(None)
                )
            )
        )
        for key in keys:
            key.revoked_at = now
        changes["api_keys_revoked"] = [None, sorted(k.prefix for k in keys)]
    session.flush()
    audit.record(
        session,
        actor=actor,
        organization_id=None,
        entity_type="staff_user",
        entity_id=user.id,
        action="activate" if active else "deactivate",
        changes=changes,
    )
    return user
