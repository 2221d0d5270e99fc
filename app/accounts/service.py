"""Staff accounts: logging in, refreshing and revoking sessions, API keys, users and roles.

Functions only ``flush``; the request's (or the CLI's) unit of work commits. Secrets are
returned to the caller once and never stored, logged or audited in clear.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.access.principal import Principal, authorize
from app.accounts import repository, security
from app.accounts.models import (
    ApiKey,
    CountryEditor,
    Membership,
    RefreshToken,
    Role,
    StaffUser,
    new_id,
)
from app.accounts.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    MembershipRead,
    OrganizationCreate,
    OrganizationRead,
    StaffUserCreate,
    StaffUserRead,
    WhoAmI,
)
from app.audit import service as audit
from app.db import utcnow
from app.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    ValidationProblem,
)
from app.organizations.models import Organization
from app.ratelimit import RateLimiter
from app.settings import Settings

__all__ = [
    "TokenPair",
    "add_membership",
    "create_api_key",
    "create_organization",
    "create_user",
    "issue_session",
    "list_api_keys",
    "login",
    "logout",
    "principal_from_access_token",
    "principal_from_api_key",
    "refresh",
    "remove_membership",
    "revoke_api_key",
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


def _roles_of(memberships: list[Membership]) -> dict[str, frozenset[Role]]:
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
        roles=_roles_of(user.memberships),
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


def create_organization(
    session: Session, *, actor: Principal, slug: str, name: str, country: str | None = None
) -> Organization:
    """A new organisation (platform administrators only)."""
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
    return org


def create_user(
    session: Session,
    settings: Settings,
    *,
    actor: Principal,
    email: str,
    password: str,
    is_admin: bool = False,
    display_name: str | None = None,
) -> StaffUser:
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
    return user


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


def create_api_key(
    session: Session,
    *,
    actor: Principal,
    organization_id: str,
    role: Role,
    name: str,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new API key for an organisation; the key itself is returned once, never stored."""
    authorize(actor, organization_id, Role.admin, what="organization", ident=organization_id)
    if role == Role.admin and not actor.is_admin:
        raise Forbidden("only platform administrators create admin keys")
    key, prefix, key_hash = security.new_api_key()
    row = ApiKey(
        prefix=prefix,
        key_hash=key_hash,
        name=name,
        organization_id=organization_id,
        role=role.value,
        created_by_user_id=actor.user_id,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        organization_id=organization_id,
        entity_type="api_key",
        entity_id=row.id,
        action="create",
        changes={"name": [None, name], "role": [None, role.value], "prefix": [None, prefix]},
    )
    return row, key


def revoke_api_key(session: Session, *, actor: Principal, key_id: str) -> ApiKey:
    """Revoke a key at once (idempotent)."""
    row = repository.api_key_by_id(session, key_id) or repository.api_key_by_prefix(session, key_id)
    if row is None:
        raise NotFound(f"no API key with id {key_id!r}")
    authorize(actor, row.organization_id, Role.admin, what="API key", ident=key_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
        audit.record(
            session,
            actor=actor,
            organization_id=row.organization_id,
            entity_type="api_key",
            entity_id=row.id,
            action="revoke",
            changes={"revoked_at": [None, row.revoked_at]},
        )
    return row


def list_api_keys(session: Session, *, actor: Principal) -> list[ApiKey]:
    """Keys of the organisations the actor administers (all for platform administrators)."""
    orgs = None if actor.is_admin else actor.organizations_with(Role.admin)
    return repository.api_keys_of(session, orgs)


# --- API views -----------------------------------------------------------------------------


def organization_by_slug(session: Session, slug: str) -> Organization:
    org = repository.organization_by_slug(session, slug)
    if org is None:
        raise NotFound(f"no organization with id {slug!r}")
    return org


def _memberships_view(session: Session, roles: dict[str, frozenset[Role]]) -> list[MembershipRead]:
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
        memberships=_memberships_view(session, dict(principal.roles)),
        country_editor_of=sorted(principal.countries),
    )


def _key_view(row: ApiKey, slug: str) -> ApiKeyRead:
    return ApiKeyRead(
        id=row.id,
        prefix=row.prefix,
        name=row.name,
        organization=slug,
        role=Role(row.role),
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def issue_api_key(session: Session, *, actor: Principal, data: ApiKeyCreate) -> ApiKeyCreated:
    """Create a key from an API request; the response carries the key once."""
    org = repository.organization_by_slug(session, data.organization)
    if org is None or not actor.is_member(org.id):
        raise NotFound(f"no organization with id {data.organization!r}")
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise ValidationProblem.for_field(
            "body", "expires_at", "must be in the future", pointer="/expires_at"
        )
    row, key = create_api_key(
        session,
        actor=actor,
        organization_id=org.id,
        role=data.role,
        name=data.name,
        expires_at=data.expires_at,
    )
    return ApiKeyCreated(**_key_view(row, org.slug).model_dump(), key=key)


def api_keys_view(session: Session, *, actor: Principal) -> list[ApiKeyRead]:
    rows = list_api_keys(session, actor=actor)
    orgs = repository.organizations_by_id(session, sorted({r.organization_id for r in rows}))
    return [_key_view(r, orgs[r.organization_id].slug) for r in rows]


def revoke_api_key_view(session: Session, *, actor: Principal, key_id: str) -> None:
    revoke_api_key(session, actor=actor, key_id=key_id)


def create_organization_view(
    session: Session, *, actor: Principal, data: OrganizationCreate
) -> OrganizationRead:
    org = create_organization(
        session,
        actor=actor,
        slug=data.id,
        name=data.name,
        country=data.country.upper() if data.country else None,
    )
    return OrganizationRead(id=org.slug, name=org.name, country=org.country)


def _user_view(session: Session, user: StaffUser, *, viewer: Principal) -> StaffUserRead:
    """A staff account as ``viewer`` may see it: only the memberships in organisations the
    viewer belongs to (all of them for platform administrators)."""
    roles = {
        org: held
        for org, held in _roles_of(user.memberships).items()
        if viewer.is_admin or viewer.is_member(org)
    }
    return StaffUserRead(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        is_admin=user.is_admin,
        is_active=user.is_active,
        memberships=_memberships_view(session, roles),
        country_editor_of=[g.country_code for g in user.country_grants],
    )


user_view = _user_view  # for the lifecycle and directory routes


def create_user_view(
    session: Session, settings: Settings, *, actor: Principal, data: StaffUserCreate
) -> StaffUserRead:
    user = create_user(
        session,
        settings,
        actor=actor,
        email=data.email,
        password=data.password,
        is_admin=data.is_admin,
        display_name=data.display_name,
    )
    return _user_view(session, user, viewer=actor)


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
    return _user_view(session, user, viewer=actor)


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
        return _user_view(session, user, viewer=actor)
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
    return _user_view(session, user, viewer=actor)
