"""The acting principal, now at home in :mod:`app.access.principal` (below audit).

Kept so that callers outside accounts keep their imports; new code imports from
``app.access``.
"""

from app.access.principal import CredentialKind, Principal, authorize, cli_principal

__all__ = ["CredentialKind", "Principal", "authorize", "cli_principal"]
