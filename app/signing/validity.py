"""When signed data was made and until when it holds, and how an app judges what it holds.

Bundles and sync pages carry ``generated_at`` and ``expires_at`` inside the signed bytes, so
an old document cannot pass for a new one. ``check`` is the reference of what an app does
with a document, its ``Rumbo-Key-Id`` and ``Rumbo-Signature``, and the key set of
``/v1/keys``:

- ``"invalid"``: unknown key, or the bytes do not match the signature: refuse;
- ``"revoked"``: signed by a revoked key (stolen or leaked): refuse, whatever the dates say;
- ``"expired"``: genuine but past ``expires_at``: keep using it, with a warning (someone
  offline for days in the Darién still needs it) until newer data arrives;
- ``"ok"``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

import orjson

from app.signing.keyring import verify_ed25519

__all__ = ["Verdict", "check", "window"]

Verdict = Literal["ok", "expired", "revoked", "invalid"]


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def window(generated_at: dt.datetime, valid_days: int) -> dict[str, str]:
    """``generated_at`` and ``expires_at`` (UTC, whole seconds) to put in a signed document."""
    start = generated_at.astimezone(dt.UTC).replace(microsecond=0)
    return {
        "generated_at": _iso(start),
        "expires_at": _iso(start + dt.timedelta(days=valid_days)),
    }


def check(
    keyset: Mapping[str, Any], body: bytes, kid: str, signature: str, *, now: dt.datetime
) -> Verdict:
    """Judge a signed document as an app does (see the module docstring)."""
    key = next((k for k in keyset.get("keys", []) if k.get("kid") == kid), None)
    if key is None:
        return "invalid"
    if key.get("revoked_at"):
        return "revoked"
    try:
        public_key = base64.b64decode(key["public_key"])
        raw_signature = base64.b64decode(signature)
    except (ValueError, binascii.Error):
        return "invalid"
    if not verify_ed25519(public_key, body, raw_signature):
        return "invalid"
    try:
        document = orjson.loads(body)
        expires = dt.datetime.fromisoformat(document["expires_at"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return "expired"  # genuine, but it does not say until when: treat as old
    return "expired" if now >= expires else "ok"
