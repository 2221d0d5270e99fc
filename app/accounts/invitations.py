"""Invitations: an organisation admin invites an e-mail address with a role; the invited
person accepts (an existing account logs in and accepts; a new person sets a password).

An organisation admin cannot otherwise add an account to their organisation: the direct
role grant (``PUT /v1/organizations/{org}/members/{user}/roles/{role}``) is for platform
administrators, or for accounts that are already members of that organisation.

The token is ``<invitation id>.<secret>``; only the SHA-256 of the secret is stored, it
expires after ``RUMBO_INVITATION_DAYS`` and works once. E-mailed when SMTP is configured,
else returned once to the inviting admin.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.access.principal import Principal, authorize
from app.accounts import lifecycle, mail, repository, security
from app.accounts.link_models import Invitation
from app.accounts.models import Membership, Role, StaffUser, new_id
from app.audit import service as audit
from app.db import utcnow
from app.errors import Conflict, Forbidden, NotFound, ValidationProblem
from app.organizations.models import Organization
from app.settings import Settings

__all__ = ["accept", "create", "pending", "register", "revoke", "valid_invitation"]

_BAD_LINK = "this invitation is invalid, expired or already used"


def _organization(session: Session, actor: Principal, slug: str) -> Organization:
    org = repository.organization_by_slug(session, slug)
    if org is None or not actor.is_member(org.id):
        raise NotFound(f"no organization with id {slug!r}")
    authorize(actor, org.id, Role.admin, what="organization", ident=slug)
    return org


def create(
    session: Session,
    settings: Settings,
    *,
    actor: Principal,
    organization: str,
    email: str,
    role: Role,
    base_url: str,
) -> tuple[Invitation, Organization, lifecycle.IssuedLink]:
    """Invite ``email`` to ``organization`` with ``role`` (its admins); earlier pending
    invitations of the same address to the same organisation are replaced."""
    org = _organization(session, actor, organization)
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 254:
        raise ValidationProblem.for_field(
            "body", "email", "not an e-mail address", pointer="/email"
        )
    now = utcnow()
    session.execute(
        update(Invitation)
        .where(
            Invitation.organization_id == org.id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    row = Invitation(
        id=new_id(),
        organization_id=org.id,
        email=email,
        role=role.value,
        token_hash="",
        created_by_user_id=actor.user_id,
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.invitation_days),
    )
    token, row.token_hash = security.new_refresh_secret(row.id)
    session.add(row)
    session.flush()
    url = f"{base_url.rstrip('/')}/console/invitation?token={token}"
    emailed = mail.enabled(settings)
    audit.record(
        session,
        actor=actor,
        organization_id=org.id,
        entity_type="invitation",
        entity_id=row.id,
        action="create",
        changes={
            "email": [None, email],
            "role": [None, role.value],
            "sent_by_email": [None, emailed],
        },
    )
    if emailed:
        mail.send(
            settings,
            to=email,
            subject=f"Rumbo: invitation to {org.name}",
            body=(
                f"You are invited to join {org.name} on Rumbo as {role.value}.\n"
                f"Accept it (once, until {row.expires_at:%Y-%m-%d} UTC) here:\n\n{url}\n\n"
                "If you did not expect it, ignore this message.\n"
            ),
        )
    link = lifecycle.IssuedLink(
        id=row.id, expires_at=row.expires_at, sent_by_email=emailed, url=None if emailed else url
    )
    return row, org, link


def pending(
    session: Session, *, actor: Principal, organization: str
) -> tuple[Organization, list[Invitation]]:
    """The organisation's invitations not yet accepted, revoked or expired, newest first."""
    org = _organization(session, actor, organization)
    rows = session.scalars(
        select(Invitation)
        .where(
            Invitation.organization_id == org.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.created_at.desc(), Invitation.id)
        .limit(500)
    )
    return org, list(rows)


def revoke(session: Session, *, actor: Principal, invitation_id: str) -> None:
    """Withdraw an invitation (its organisation's admins); idempotent."""
    row = session.get(Invitation, invitation_id)
    if row is None or not actor.is_member(row.organization_id):
        raise NotFound(f"no invitation with id {invitation_id!r}")
    authorize(actor, row.organization_id, Role.admin, what="invitation", ident=invitation_id)
    if row.revoked_at is not None or row.accepted_at is not None:
        return
    row.revoked_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        organization_id=row.organization_id,
        entity_type="invitation",
        entity_id=row.id,
        action="revoke",
    )


def valid_invitation(session: Session, token: str) -> Invitation:
    """The open invitation of ``token``; 422 on ``token`` otherwise."""
    try:
        row_id, secret = security.parse_refresh_token(token)
    except security.InvalidToken:
        raise ValidationProblem.for_field("body", "token", _BAD_LINK, pointer="/token") from None
    row = session.get(Invitation, row_id)
    if (
        row is None
        or row.accepted_at is not None
        or row.revoked_at is not None
        or row.expires_at <= utcnow()
        or not security.digests_match(secret, row.token_hash)
    ):
        raise ValidationProblem.for_field("body", "token", _BAD_LINK, pointer="/token")
    return row


def _join(session: Session, row: Invitation, user: StaffUser, actor: Principal) -> None:
    if repository.membership(session, user.id, row.organization_id, row.role) is None:
        user.memberships.append(
            Membership(user_id=user.id, organization_id=row.organization_id, role=row.role)
        )
    row.accepted_at = utcnow()
    row.accepted_user_id = user.id
    session.flush()
    audit.record(
        session,
        actor=actor,
        organization_id=row.organization_id,
        entity_type="invitation",
        entity_id=row.id,
        action="accept",
        changes={"user_id": [None, user.id]},
    )
    audit.record(
        session,
        actor=actor,
        organization_id=row.organization_id,
        entity_type="membership",
        entity_id=user.id,
        action="grant",
        changes={"role": [None, row.role], "invitation": [None, row.id]},
    )


def accept(session: Session, *, actor: Principal, token: str) -> StaffUser:
    """The logged-in person accepts an invitation made out to their e-mail address."""
    row = valid_invitation(session, token)
    user = repository.user_by_id(session, actor.user_id) if actor.user_id else None
    if user is None:
        raise Conflict("an invitation is accepted by a person, not an API key")
    if user.email != row.email:
        raise Forbidden("this invitation is for another e-mail address")
    _join(session, row, user, actor)
    return user


def register(
    session: Session,
    settings: Settings,
    *,
    token: str,
    password: str,
    display_name: str | None,
) -> StaffUser:
    """A new person accepts an invitation: their account is made with this password."""
    row = valid_invitation(session, token)
    if repository.user_by_email(session, row.email) is not None:
        raise Conflict("an account with this e-mail address exists: log in and accept")
    lifecycle.check_new_password(settings, password, email=row.email, field="password")
    user = StaffUser(
        email=row.email,
        display_name=display_name,
        password_hash=security.hash_password(password),
        is_admin=False,
    )
    session.add(user)
    session.flush()
    actor = Principal(credential="password", user_id=user.id)
    audit.record(
        session,
        actor=actor,
        organization_id=row.organization_id,
        entity_type="staff_user",
        entity_id=user.id,
        action="create",
        changes={"email": [None, row.email], "invitation": [None, row.id]},
    )
    _join(session, row, user, actor)
    return user
