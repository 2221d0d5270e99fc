"""Password rules per NIST SP 800-63B (section 5.1.1.2).

- at least ``RUMBO_PASSWORD_MIN_LENGTH`` characters, at most ``RUMBO_PASSWORD_MAX_LENGTH``
  (64 or more, so passphrases fit);
- no composition rules (no "one digit, one symbol");
- not a commonly used or breached password: the 30,000 most common passwords of the
  zxcvbn project's list (MIT licence, shipped offline in the ``zxcvbn`` package), a few
  Spanish, French and Portuguese ones, compared case-insensitively; the list is loaded on
  first use only;
- not repetitive (fewer than five distinct characters), and not containing the e-mail
  address's local part (context-specific words).
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["WeakPassword", "check", "is_common"]

# Local additions (the zxcvbn list is mostly English).
_LOCAL_COMMON = (
    "contraseña",
    "contraseña123",
    "contrasena",
    "contrasena123",
    "motdepasse",
    "motdepasse123",
    "senha123",
    "123456789012",
    "qwertyuiopas",
    "letmein12345",
    "iloveyou1234",
    "welcome12345",
    "changeme1234",
    "administrator",
    "password123",
)


class WeakPassword(ValueError):
    """A password refused by the rules; the message says why (never echoes it)."""


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # large: imported on first use

    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"]) | frozenset(_LOCAL_COMMON)


def is_common(password: str) -> bool:
    """True when ``password`` is on the common/breached list (any letter case)."""
    return password.lower() in _common()


def check(password: str, *, min_length: int, max_length: int, email: str | None = None) -> None:
    """Raise ``WeakPassword`` with the reason when ``password`` breaks a rule."""
    if len(password) < min_length:
        raise WeakPassword(f"must be at least {min_length} characters long")
    if len(password) > max_length:
        raise WeakPassword(f"must be at most {max_length} characters long")
    if len(set(password)) < 5:
        raise WeakPassword("is too repetitive")
    if is_common(password):
        raise WeakPassword("is too common: it is on a list of common and breached passwords")
    if email:
        local = email.split("@", 1)[0].lower()
        if len(local) >= 3 and local in password.lower():
            raise WeakPassword("must not contain the e-mail address")
