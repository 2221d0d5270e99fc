"""The byte pieces of a point's JSON that every renderer shares: the compact JSON the API
writes (:func:`dump`) and the end of a point (:func:`close`), which the request and the
time decide."""

from __future__ import annotations

from typing import Any

import orjson

__all__ = ["TRUE_FALSE", "close", "dump"]

TRUE_FALSE = {True: b"true", False: b"false"}


def dump(body: Any) -> bytes:
    """Compact JSON as the API serialises it (UTC times with ``Z``, like pydantic)."""
    return orjson.dumps(body, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS)


def close(
    parts: list[bytes],
    verification: bytes,
    stale: bool,
    warnings: list[str] | None,
    warning_texts: list[dict[str, str]] | None,
    alerts: list[str] | None,
) -> bytes:
    """A point's JSON from ``parts`` (its shape up to ``open_now``) and the rest, which
    the request and the time decide: the verification object (without its closing brace,
    as stored) with ``stale``, the warnings and their texts, the alerts covering it."""
    parts.append(b',"verification":' + verification)
    parts.append(b',"stale":' if len(verification) > 1 else b'"stale":')
    parts.append(TRUE_FALSE[stale] + b"}")
    if warnings:
        parts.append(b',"warnings":' + dump(warnings))
        if warning_texts:
            parts.append(b',"warning_texts":' + dump(warning_texts))
    if alerts:
        parts.append(b',"alerts":' + dump(alerts))
    parts.append(b"}")
    return b"".join(parts)
