"""Who is acting: an authenticated person or API key, with its roles per organisation.

Services receive a ``Principal`` and call ``authorize(principal, organization_id, ...)`` on
every object they touch. The rule, everywhere:

- a platform administrator may do everything;
- a member with role ``admin`` in the object's organisation may do everything there;
- a member holding one of the required roles there may act;
- a member of that organisation without such a role gets 403 (Forbidden);
- anybody else gets 404 (NotFound): other organisations' objects are not revealed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from app.access.roles import Role
from app.errors import Forbidden, NotFound

__all__ = ["CredentialKind", "Principal", "authorize", "cli_principal"]

# How the actor proved who it is; recorded with every audit event.
CredentialKind = Literal["password", "api_key", "cli"]


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated actor.

    ``credential`` is ``"password"`` for a person's access token, ``"api_key"`` for an
    integration, ``"cli"`` for the command line. ``user_id`` is set for people,
    ``api_key_id`` for keys. ``roles`` maps organisation id to the roles held there;
    ``countries`` are the countries whose curated content the person edits (country editor).
    """

    credential: CredentialKind
    user_id: str | None = None
    api_key_id: str | None = None
    session_id: str | None = None
    is_admin: bool = False
    roles: Mapping[str, frozenset[Role]] = field(default_factory=dict)
    countries: frozenset[str] = frozenset()

    @property
    def actor_id(self) -> str:
        return self.user_id or self.api_key_id or "cli"

    def roles_in(self, organization_id: str) -> frozenset[Role]:
        return self.roles.get(organization_id, frozenset())

    def is_member(self, organization_id: str) -> bool:
        return self.is_admin or bool(self.roles_in(organization_id))

    def can(self, organization_id: str, *roles: Role) -> bool:
        """True when the principal may act in ``organization_id`` with any of ``roles``."""
        if self.is_admin:
            return True
        held = self.roles_in(organization_id)
        return Role.admin in held or any(r in held for r in roles)

    def has_any(self, *roles: Role) -> bool:
        """True when the principal holds any of ``roles`` (or admin) in some organisation."""
        return self.is_admin or any(self.can(org, *roles) for org in self.roles)

    def edits_country(self, code: str) -> bool:
        """True when the principal may change ``code``'s curated content (not only translate)."""
        return self.is_admin or code in self.countries

    def organizations_with(self, *roles: Role) -> list[str]:
        """Ids of the organisations where the principal may act with any of ``roles``."""
        return sorted(org for org in self.roles if self.can(org, *roles))


def authorize(
    principal: Principal,
    organization_id: str,
    *roles: Role,
    what: str = "resource",
    ident: str = "",
) -> None:
    """Raise 404 (not a member) or 403 (member without the role) unless allowed."""
    if principal.can(organization_id, *roles):
        return
    if not principal.is_member(organization_id):
        raise NotFound(f"no {what} with id {ident!r}" if ident else f"no such {what}")
    needed = ", ".join(r.value for r in roles) or "admin"
    raise Forbidden(f"this needs one of these roles in the organisation: {needed}")


def cli_principal(roles: Iterable[tuple[str, Role]] = ()) -> Principal:
    """The operator at the command line: a platform administrator."""
    grouped: dict[str, set[Role]] = {}
    for org, role in roles:
        grouped.setdefault(org, set()).add(role)
    return Principal(
        credential="cli", is_admin=True, roles={k: frozenset(v) for k, v in grouped.items()}
    )
