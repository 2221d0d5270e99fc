"""Credentials: Argon2 password hashes, signed access tokens, refresh tokens and API keys.

- Passwords: Argon2id through pwdlib; ``check_password_strength`` refuses weak ones.
- Access tokens: JWT HS256 signed with ``settings.secret_key``, carrying ``iss``, ``aud``,
  ``exp``, ``iat``, ``sub`` (user id), ``sid`` (session id = refresh-token row) and ``jti``.
- Refresh tokens: ``<session id>.<random>``; only the SHA-256 of the random part is stored.
- API keys: ``rk_<prefix>_<random>``; the prefix finds the row, only the SHA-256 of the
  whole key is stored.

Nothing here logs; callers never log a secret either.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from functools import lru_cache

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.accounts import passwords
from app.accounts.passwords import WeakPassword
from app.settings import Settings

__all__ = [
    "AccessClaims",
    "InvalidToken",
    "WeakPassword",
    "check_password_strength",
    "decode_access_token",
    "digest",
    "digests_match",
    "dummy_verify",
    "encode_access_token",
    "hash_password",
    "new_api_key",
    "new_refresh_secret",
    "parse_api_key",
    "parse_refresh_token",
    "verify_password",
]

API_KEY_PREFIX = "rk_"
_ALGORITHM = "HS256"


class InvalidToken(Exception):
    """A token that is malformed, tampered with, expired or meant for someone else."""


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    return PasswordHash((Argon2Hasher(),))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher().verify(password, password_hash)
    except Exception:  # a malformed stored hash never lets anybody in
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def dummy_verify(password: str) -> None:
    """Spend the time of a real check, so unknown accounts cannot be told apart by timing."""
    verify_password(password, _dummy_hash())


def check_password_strength(
    password: str, *, min_length: int, max_length: int = 256, email: str | None = None
) -> None:
    """Raise ``WeakPassword`` with the reason when ``password`` breaks the rules
    (``app.accounts.passwords``)."""
    passwords.check(password, min_length=min_length, max_length=max_length, email=email)


def digest(secret: str) -> str:
    """SHA-256 hex digest of a high-entropy secret (refresh tokens, API keys)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def digests_match(secret: str, stored: str) -> bool:
    return hmac.compare_digest(digest(secret), stored)


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: str
    session_id: str
    expires_at: dt.datetime


def encode_access_token(
    settings: Settings, *, user_id: str, session_id: str, now: dt.datetime | None = None
) -> tuple[str, dt.datetime]:
    """A signed access token for ``user_id`` in session ``session_id``, and its expiry."""
    now = now or dt.datetime.now(dt.UTC)
    expires = now + dt.timedelta(seconds=settings.access_token_ttl_seconds)
    claims = {
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "sub": user_id,
        "sid": session_id,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": uuid.uuid4().hex,
        "typ": "access",
    }
    return jwt.encode(claims, settings.secret_key, algorithm=_ALGORITHM), expires


def decode_access_token(settings: Settings, token: str) -> AccessClaims:
    """Check signature, issuer, audience and expiry; raise ``InvalidToken`` otherwise."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[_ALGORITHM],
            audience=settings.token_audience,
            issuer=settings.token_issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "sid"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(type(exc).__name__) from None
    if claims.get("typ") != "access":
        raise InvalidToken("not an access token")
    sub, sid = claims.get("sub"), claims.get("sid")
    if not isinstance(sub, str) or not isinstance(sid, str):
        raise InvalidToken("malformed claims")
    return AccessClaims(
        user_id=sub, session_id=sid, expires_at=dt.datetime.fromtimestamp(claims["exp"], dt.UTC)
    )


def new_refresh_secret(session_id: str) -> tuple[str, str]:
    """A refresh token for ``session_id`` and the digest to store."""
    secret = secrets.token_urlsafe(32)
    return f"{session_id}.{secret}", digest(secret)


def parse_refresh_token(token: str) -> tuple[str, str]:
    """``(session_id, secret)`` of a refresh token; raise ``InvalidToken`` when malformed."""
    session_id, sep, secret = token.strip().partition(".")
    if not sep or len(session_id) != 36 or not 20 <= len(secret) <= 100:
        raise InvalidToken("malformed refresh token")
    return session_id, secret


def new_api_key() -> tuple[str, str, str]:
    """A new API key: ``(key shown once, public prefix, digest to store)``."""
    prefix = secrets.token_hex(6)
    key = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, digest(key)


def parse_api_key(key: str) -> str | None:
    """The public prefix of something shaped like an API key, else None."""
    if not key.startswith(API_KEY_PREFIX) or len(key) > 100:
        return None
    prefix, sep, rest = key[len(API_KEY_PREFIX) :].partition("_")
    if not sep or len(prefix) != 12 or len(rest) < 20:
        return None
    return prefix
