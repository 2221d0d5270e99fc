"""Organisations, staff accounts, their roles per organisation and the country editors.

Every change is authorized (``app.access``) and audited in the caller's transaction; the
functions return the shapes the API shows.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.access.principal import Principal, authorize
from app.accounts import repository, security
from app.accounts.models import CountryEditor, Membership, Role, StaffUser
from app.accounts.schemas import (
    MembershipRead,
    OrganizationRead,
    StaffUserRead,
    WhoAmI,
)
from app.accounts.service import roles_of
from app.audit import service as audit
from app.errors import Conflict, Forbidden, NotFound, ValidationProblem
from app.organizations.models import Organization
from app.settings import Settings

__all__ = [
    "add_membership",
    "create_organization",
    "create_user",
    "memberships_read",
    "organization_by_slug",
    "remove_membership",
    "set_country_editor",
    "set_membership",
    "user_read",
    "whoami",
]


def organization_by_slug(session: Session, slug: str) -> Organization:
    org = repository.organization_by_slug(session, slug)
    if org is None:
        raise NotFound(f"no organization with id {slug!r}")
    return org


def create_organization(
    session: Session, *, actor: Principal, slug: str, name: str, country: str | None = None
) -> OrganizationRead:
    """A new organisation (platform administrators only); ``country`` in capitals."""
    country = country.upper() if country else None
    if not actor.is_admin:
        raise Forbidden("only administrators create organisations")
    if repository.organization_by_slug(session, slug) is not None:
        raise Conflict(f"an organisation with id {slug!r} exists")
    org = Organization(slug=slug, name=name, country=country)
    session.add(org)
    session.flush()
    audit.record(
        session,
        actor=actor,
        organization_id=org.id,
        entity_type="organization",
        entity_id=org.id,
        action="create",
        changes={"slug": [None, slug], "name": [None, name], "country": [None, country]},
    )
    return OrganizationRead(id=org.slug, name=org.name, country=org.country)


def create_user(
    session: Session,
    settings: Settings,
    *,
    actor: Principal,
    email: str,
    password: str,
    is_admin: bool = False,
    display_name: str | None = None,
) -> StaffUserRead:
    """A new staff account (platform administrators only); the password is checked and hashed."""
    if not actor.is_admin:
        raise Forbidden("only administrators create accounts")
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 254:
        raise ValidationProblem.for_field("body", "email", "not an e-mail address")
    try:
        security.check_password_strength(
            password,
            min_length=settings.password_min_length,
            max_length=settings.password_max_length,
            email=email,
        )
    except security.WeakPassword as exc:
        raise ValidationProblem.for_field("body", "password", str(exc)) from None
    if repository.user_by_email(session, email) is not None:
        raise Conflict("an account with that e-mail address exists")
    user = StaffUser(
        email=email,
        display_name=display_name,
        password_hash=security.hash_password(password),
        is_admin=is_admin,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        organization_id=None,
        entity_type="staff_user",
        entity_id=user.id,
        action="create",
        changes={"email": [None, email], "is_admin": [None, is_admin]},
    )
    return user_read(session, user, viewer=actor)


def add_membership(
    session: Session, *, actor: Principal, user: StaffUser, organization_id: str, role: Role
) -> Membership:
    """Give ``user`` ``role`` in an organisation (its admins, or platform administrators)."""
    authorize(actor, organization_id, Role.admin, what="organization", ident=organization_id)
    existing = repository.membership(session, user.id, organization_id, role.value)
    if existing is not None:
        return existing
    if not actor.is_admin and all(m.organization_id != organization_id for m in user.memberships):
        # Joining an organisation needs the person's consent: app/accounts/invitations.py.
        raise Forbidden("invite this person instead: only they can accept joining")
    membership = Membership(user_id=user.id, organization_id=organization_id, role=role.value)
    user.memberships.append(membership)
    session.flush()
    audit.record(
        session,
        actor=actor,
        organization_id=organization_id,
        entity_type="membership",
        entity_id=user.id,
        action="grant",
        changes={"role": [None, role.value]},
    )
    return membership


def remove_membership(
    session: Session, *, actor: Principal, user: StaffUser, organization_id: str, role: Role
) -> None:
    authorize(actor, organization_id, Role.admin, what="organization", ident=organization_id)
    existing = repository.membership(session, user.id, organization_id, role.value)
    if existing is None:
        raise NotFound("no such membership")
    user.memberships.remove(existing)
    session.flush()
    audit.record(
        session,
        actor=actor,
        organization_id=organization_id,
        entity_type="membership",
        entity_id=user.id,
        action="revoke",
        changes={"role": [role.value, None]},
    )


def memberships_read(session: Session, roles: dict[str, frozenset[Role]]) -> list[MembershipRead]:
    orgs = repository.organizations_by_id(session, sorted(roles))
    return [
        MembershipRead(organization=orgs[o].slug, organization_name=orgs[o].name, role=r)
        for o in sorted(roles, key=lambda o: orgs[o].slug if o in orgs else o)
        if o in orgs
        for r in sorted(roles[o])
    ]


def whoami(session: Session, principal: Principal) -> WhoAmI:
    """The principal as the API shows it: who, how authenticated, which roles where."""
    user = repository.user_by_id(session, principal.user_id) if principal.user_id else None
    return WhoAmI(
        credential=principal.credential,
        user_id=principal.user_id,
        email=user.email if user else None,
        api_key_id=principal.api_key_id,
        is_admin=principal.is_admin,
        memberships=memberships_read(session, dict(principal.roles)),
        country_editor_of=sorted(principal.countries),
    )


def user_read(session: Session, user: StaffUser, *, viewer: Principal) -> StaffUserRead:
    """A staff account as ``viewer`` may see it: only the memberships in organisations the
    viewer belongs to (all of them for platform administrators)."""
    roles = {
        org: held
        for org, held in roles_of(user.memberships).items()
        if viewer.is_admin or viewer.is_member(org)
    }
    return StaffUserRead(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        is_admin=user.is_admin,
        is_active=user.is_active,
        memberships=memberships_read(session, roles),
        country_editor_of=[g.country_code for g in user.country_grants],
    )


def set_membership(
    session: Session, *, actor: Principal, organization: str, user_id: str, role: Role, grant: bool
) -> StaffUserRead:
    """Grant or revoke ``role`` of a user in an organisation (by its slug)."""
    org = repository.organization_by_slug(session, organization)
    if org is None or not actor.is_member(org.id):
        raise NotFound(f"no organization with id {organization!r}")
    user = repository.user_by_id(session, user_id)
    if user is None:
        raise NotFound(f"no staff user with id {user_id!r}")
    if grant:
        add_membership(session, actor=actor, user=user, organization_id=org.id, role=role)
    else:
        remove_membership(session, actor=actor, user=user, organization_id=org.id, role=role)
    return user_read(session, user, viewer=actor)


def set_country_editor(
    session: Session, *, actor: Principal, user_id: str, country: str, grant: bool
) -> StaffUserRead:
    """Make a user an editor of one country's curated content, or no longer (platform
    administrators only); audited."""
    if not actor.is_admin:
        raise Forbidden("only platform administrators name country editors")
    user = repository.user_by_id(session, user_id)
    if user is None:
        raise NotFound(f"no staff user with id {user_id!r}")
    existing = next((g for g in user.country_grants if g.country_code == country), None)
    if grant and existing is None:
        user.country_grants.append(CountryEditor(user_id=user.id, country_code=country))
    elif not grant and existing is not None:
        user.country_grants.remove(existing)
    else:
        return user_read(session, user, viewer=actor)
    session.flush()
    audit.record(
        session,
        actor=actor,
        organization_id=None,
        entity_type="country_editor",
        entity_id=user.id,
        action="grant" if grant else "revoke",
        changes={"country": [None, country] if grant else [country, None]},
    )
    return user_read(session, user, viewer=actor)
