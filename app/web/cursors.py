"""Opaque pagination cursors: base64url JSON bound to the query that produced them.

One codec for every paged list (points, tasks, audit, accounts, feedback, alerts, area
services) and for the sync feed, which keeps its own payload and error texts
(app/sync/cursor.py) on top of :func:`pack` and :func:`unpack`.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import orjson

from app.errors import ValidationProblem
from app.i18n.texts import Text

__all__ = [
    "MAX_CURSOR_LENGTH",
    "decode_cursor",
    "encode_cursor",
    "fingerprint",
    "pack",
    "query_fingerprint",
    "unpack",
]

MAX_CURSOR_LENGTH = 512


def query_fingerprint(parts: dict[str, Any]) -> str:
    """A short hash of the filters, so a cursor cannot be replayed on another query."""
    return fingerprint(orjson.dumps(parts, option=orjson.OPT_SORT_KEYS))


def fingerprint(raw: bytes) -> str:
    """The 12-hex-digit BLAKE2s digest every cursor carries as ``f``."""
    return hashlib.blake2s(raw, digest_size=6).hexdigest()


def pack(payload: dict[str, Any]) -> str:
    """``payload`` as unpadded base64url JSON."""
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


def unpack(raw: str, *, field: str, malformed: str) -> dict[str, Any]:
    """The JSON object a cursor holds; 422 naming the query parameter ``field`` when it is
    too long (``cursor.too_long``) or not base64url JSON of an object (``malformed``)."""
    if len(raw) > MAX_CURSOR_LENGTH:
        raise ValidationProblem.for_field("query", field, Text("cursor.too_long"))
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        raise ValidationProblem.for_field("query", field, Text(malformed)) from None
    if not isinstance(payload, dict):
        raise ValidationProblem.for_field("query", field, Text(malformed))
    return payload


def encode_cursor(payload: dict[str, Any]) -> str:
    return pack(payload)


def decode_cursor(raw: str, *, fingerprint: str) -> dict[str, Any]:
    """The payload of a list's ``cursor``; 422 unless it was made for this query."""
    payload = unpack(raw, field="cursor", malformed="cursor.malformed")
    if payload.get("f") != fingerprint:
        raise ValidationProblem.for_field("query", "cursor", Text("cursor.other_query"))
    return payload
