"""Ed25519 keys that sign bundles and sync pages, kept in a key directory.

``RUMBO_KEYS_DIR`` holds ``keyring.json`` (public: every key id, public key, dates, which key
signs now, and each new key's endorsement by the previous one) and ``<kid>.key`` (the private
seed of the current key, mode 0600). Every API process reads the same directory (a shared
volume or mounted secret), so all sign with the same key and list the same public keys.
Rotation adds a key, endorses it with the old one and deletes the old private key; the old
public key stays listed, so bundles it signed still verify. Revocation (a key stolen or
leaked) marks a key ``revoked_at``: it is listed as such, signs nothing more, endorses no new
key (its endorsements are no longer published), and apps refuse what it signed. Private keys
are never served, logged or put in exception messages.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.errors import ServiceUnavailable

log = logging.getLogger("rumbo.signing")

__all__ = [
    "ALGORITHM",
    "Keyring",
    "KeysUnavailable",
    "PublicKey",
    "Signature",
    "UnknownKey",
    "endorsement_message",
    "generate",
    "revoke",
    "rotate",
    "signature_headers",
    "verify_ed25519",
]

ALGORITHM = "Ed25519"
KEY_ID_HEADER = "Rumbo-Key-Id"
SIGNATURE_HEADER = "Rumbo-Signature"
KEYRING_FILE = "keyring.json"
_RELOAD_SECONDS = 2.0


class KeysUnavailable(ServiceUnavailable):
    """No usable signing key in the key directory (503; the details go to the log only)."""

    def __init__(self, reason: str) -> None:
        log.error("signing unavailable: %s", reason)
        super().__init__("Signing keys are not configured on this server.", retry_after=60)
        self.reason = reason


class UnknownKey(LookupError):
    """No key with that id in the keyring."""


@dataclass(frozen=True, slots=True)
class PublicKey:
    kid: str
    public_key: bytes
    created_at: str
    retired_at: str | None = None
    endorsed_by: str | None = None
    endorsement: bytes | None = None
    revoked_at: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kid": self.kid,
            "alg": ALGORITHM,
            "public_key": base64.b64encode(self.public_key).decode(),
            "created_at": self.created_at,
            "retired_at": self.retired_at,
            "revoked_at": self.revoked_at,
        }
        if self.endorsed_by and self.endorsement:
            out["endorsed_by"] = self.endorsed_by
            out["endorsement"] = base64.b64encode(self.endorsement).decode()
        return out


@dataclass(frozen=True, slots=True)
class Signature:
    kid: str
    value: bytes

    @property
    def b64(self) -> str:
        return base64.b64encode(self.value).decode()


def verify_ed25519(public_key: bytes, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is the Ed25519 signature of ``data`` by the raw ``public_key``."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def endorsement_message(kid: str, public_key: bytes) -> bytes:
    """What the previous key signs to vouch for a new one."""
    return b"rumbo-key-endorsement:" + kid.encode() + b":" + public_key


def _key_id(public_key: bytes, created: dt.datetime) -> str:
    return f"{created:%Y%m%d}-{hashlib.sha256(public_key).hexdigest()[:12]}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _read_document(directory: Path) -> dict[str, Any] | None:
    path = directory / KEYRING_FILE
    if not path.exists():
        return None
    document: dict[str, Any] = orjson.loads(path.read_bytes())
    return document


def _public(entry: dict[str, Any]) -> PublicKey:
    endorsement = entry.get("endorsement")
    return PublicKey(
        kid=entry["kid"],
        public_key=base64.b64decode(entry["public_key"]),
        created_at=entry["created_at"],
        retired_at=entry.get("retired_at"),
        endorsed_by=entry.get("endorsed_by"),
        endorsement=base64.b64decode(endorsement) if endorsement else None,
        revoked_at=entry.get("revoked_at"),
    )


def _published(document: dict[str, Any]) -> tuple[PublicKey, ...]:
    """Every key as listed; an endorsement by a revoked key vouches for nothing, so it goes."""
    keys = [_public(entry) for entry in document["keys"]]
    revoked = {k.kid for k in keys if k.revoked_at}
    return tuple(
        replace(k, endorsed_by=None, endorsement=None) if k.endorsed_by in revoked else k
        for k in keys
    )


def _stamp() -> str:
    return _now().isoformat().replace("+00:00", "Z")


def _new_key(
    directory: Path, previous: Ed25519PrivateKey | None, previous_kid: str | None
) -> dict[str, Any]:
    created = _now()
    signing = Ed25519PrivateKey.generate()
    public = signing.public_key().public_bytes_raw()
    kid = _key_id(public, created)
    # The file holds the raw 32-byte seed (RFC 8032's private key), base64-encoded.
    _write_atomic(directory / f"{kid}.key", base64.b64encode(signing.private_bytes_raw()), 0o600)
    entry: dict[str, Any] = {
        "kid": kid,
        "public_key": base64.b64encode(public).decode(),
        "created_at": created.isoformat().replace("+00:00", "Z"),
    }
    if previous is not None and previous_kid is not None:
        entry["endorsed_by"] = previous_kid
        entry["endorsement"] = base64.b64encode(
            previous.sign(endorsement_message(kid, public))
        ).decode()
    return entry


def _load_private(directory: Path, kid: str) -> Ed25519PrivateKey:
    path = directory / f"{kid}.key"
    try:
        seed = base64.b64decode(path.read_bytes().strip(), validate=True)
        return Ed25519PrivateKey.from_private_bytes(seed)
    except (OSError, ValueError) as exc:
        # The message names the file, never its content.
        raise KeysUnavailable(f"the private key of {kid} is missing or unreadable") from exc


def generate(directory: Path) -> tuple[str, bool]:
    """Create the first key when there is none; returns (current kid, created)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = directory / ".generate.lock"
    try:
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process is generating: wait for its keyring.
        for _ in range(100):
            document = _read_document(directory)
            if document is not None:
                return str(document["current"]), False
            time.sleep(0.05)
        raise KeysUnavailable("another process holds the key generation lock") from None
    try:
        document = _read_document(directory)
        if document is not None:
            return str(document["current"]), False
        entry = _new_key(directory, None, None)
        document = {"current": entry["kid"], "keys": [entry]}
        _write_atomic(
            directory / KEYRING_FILE, orjson.dumps(document, option=orjson.OPT_INDENT_2), 0o644
        )
        return str(entry["kid"]), True
    finally:
        os.close(fd)
        lock.unlink(missing_ok=True)


def rotate(directory: Path) -> tuple[str, str]:
    """A new current key endorsed by the old one; returns (old kid, new kid)."""
    document = _read_document(directory)
    if document is None:
        raise KeysUnavailable(f"no keyring in {directory}; run `rumbo keys generate` first")
    old_kid = str(document["current"])
    old_entry = next(k for k in document["keys"] if k["kid"] == old_kid)
    if old_entry.get("revoked_at"):
        # A revoked key vouches for nothing: apps learn the new key another way (an update).
        entry = _new_key(directory, None, None)
    else:
        entry = _new_key(directory, _load_private(directory, old_kid), old_kid)
    old_entry["retired_at"] = _stamp()
    document["keys"].append(entry)
    document["current"] = entry["kid"]
    _write_atomic(
        directory / KEYRING_FILE, orjson.dumps(document, option=orjson.OPT_INDENT_2), 0o644
    )
    (directory / f"{old_kid}.key").unlink(missing_ok=True)
    return old_kid, str(entry["kid"])


def revoke(directory: Path, kid: str) -> str:
    """Mark ``kid`` revoked (published at /v1/keys); returns when it was revoked.

    A revoked current key signs nothing more until ``rotate`` replaces it.
    """
    document = _read_document(directory)
    if document is None:
        raise KeysUnavailable(f"no keyring in {directory}; run `rumbo keys generate` first")
    entry = next((k for k in document["keys"] if k["kid"] == kid), None)
    if entry is None:
        raise UnknownKey(f"no key {kid!r} in the keyring")
    if not entry.get("revoked_at"):
        entry["revoked_at"] = _stamp()
        _write_atomic(
            directory / KEYRING_FILE, orjson.dumps(document, option=orjson.OPT_INDENT_2), 0o644
        )
    return str(entry["revoked_at"])


class Keyring:
    """The current signing key and every public key, re-read when ``keyring.json`` changes.

    With ``create_missing`` (development and tests) the first use creates a key.
    """

    def __init__(
        self,
        directory: Path,
        *,
        create_missing: bool = False,
        reload_seconds: float = _RELOAD_SECONDS,
    ) -> None:
        self.directory = directory
        self.create_missing = create_missing
        self.reload_seconds = reload_seconds
        self._lock = threading.Lock()
        self._checked_at = -1e9
        self._stamp: tuple[int, int] | None = None
        self._current: tuple[str, Ed25519PrivateKey | None] | None = None
        self._public: tuple[PublicKey, ...] = ()

    def __repr__(self) -> str:
        return f"Keyring({str(self.directory)!r})"

    def _refresh(self) -> None:
        now = time.monotonic()
        if self._current is not None and now - self._checked_at < self.reload_seconds:
            return
        with self._lock:
            path = self.directory / KEYRING_FILE
            try:
                stat = path.stat()
            except FileNotFoundError:
                if not self.create_missing:
                    raise KeysUnavailable(
                        f"no signing keys in {self.directory}; run `rumbo keys generate`"
                    ) from None
                generate(self.directory)
                stat = path.stat()
            stamp = (stat.st_ino, stat.st_mtime_ns)
            if self._current is None or stamp != self._stamp:
                document = _read_document(self.directory)
                assert document is not None
                kid = str(document["current"])
                self._public = _published(document)
                revoked = any(k.kid == kid and k.revoked_at for k in self._public)
                # A revoked key's private file may be gone already: it is not needed.
                self._current = (kid, None if revoked else _load_private(self.directory, kid))
                self._stamp = stamp
            self._checked_at = now

    @property
    def current_kid(self) -> str:
        self._refresh()
        assert self._current is not None
        return self._current[0]

    def public_keys(self) -> tuple[PublicKey, ...]:
        self._refresh()
        return self._public

    def _signing(self) -> tuple[str, Ed25519PrivateKey]:
        self._refresh()
        assert self._current is not None
        kid, key = self._current
        if key is None:
            raise KeysUnavailable(f"the current key {kid} is revoked; run `rumbo keys rotate`")
        return kid, key

    def signing_kid(self) -> str:
        """The key id that signs now; 503 while the current key is revoked (rotate)."""
        return self._signing()[0]

    def sign(self, data: bytes) -> Signature:
        kid, key = self._signing()
        return Signature(kid=kid, value=key.sign(data))

    def verify(self, data: bytes, signature: Signature) -> bool:
        """Check ``signature`` with the listed public key of its key id (never a revoked one)."""
        for key in self.public_keys():
            if key.kid == signature.kid and not key.revoked_at:
                return verify_ed25519(key.public_key, data, signature.value)
        return False


def signature_headers(keyring: Keyring, body: bytes) -> dict[str, str]:
    """``Rumbo-Key-Id`` and ``Rumbo-Signature`` for a response body."""
    signature = keyring.sign(body)
    return {KEY_ID_HEADER: signature.kid, SIGNATURE_HEADER: signature.b64}
