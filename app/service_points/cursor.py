"""Opaque pagination cursors: base64url JSON bound to the query that produced them."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import orjson

from app.errors import ValidationProblem
from app.i18n.texts import Text

__all__ = ["decode_cursor", "encode_cursor", "query_fingerprint"]

MAX_CURSOR_LENGTH = 512


def query_fingerprint(parts: dict[str, Any]) -> str:
    """A short hash of the filters, so a cursor cannot be replayed on another query."""
    return hashlib.blake2s(
        orjson.dumps(parts, option=orjson.OPT_SORT_KEYS), digest_size=6
    ).hexdigest()


def encode_cursor(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


def decode_cursor(raw: str, *, fingerprint: str) -> dict[str, Any]:
    def bad(key: str) -> ValidationProblem:
        return ValidationProblem.for_field("query", "cursor", Text(key))

    if len(raw) > MAX_CURSOR_LENGTH:
        raise bad("cursor.too_long")
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        raise bad("cursor.malformed") from None
    if not isinstance(payload, dict) or payload.get("f") != fingerprint:
        raise bad("cursor.other_query")
    return payload
