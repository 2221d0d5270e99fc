"""Sync cursors: where a client is in the change sequence, bound to its scope and languages.

A cursor is opaque base64url JSON. Completed: ``{"s": N}`` (the client holds every change up
to sequence N). While a client pages through a delta: ``h`` (the sequence the delta runs to)
and ``q``/``i`` (the last change row sent). While it pages through a snapshot: ``h`` and ``p``
(the last point id sent). Every cursor carries the database epoch ``e`` and the fingerprint
``f`` of its scope and languages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.errors import ValidationProblem
from app.i18n.texts import Text
from app.sync.scope import Languages, Scope
from app.web import cursors
from app.web.cursors import MAX_CURSOR_LENGTH

__all__ = ["MAX_CURSOR_LENGTH", "SyncCursor", "decode", "encode", "fingerprint"]

_EPOCH_CHARS = 12


@dataclass(frozen=True, slots=True)
class SyncCursor:
    since: int
    high: int | None = None
    after_change: tuple[int, int] | None = None
    after_point: int | None = None

    @property
    def in_snapshot(self) -> bool:
        return self.after_point is not None


def fingerprint(scope: Scope, languages: Languages) -> str:
    return cursors.fingerprint(f"{scope.fingerprint_part()}|{languages.key}".encode())


def encode(cursor: SyncCursor, *, epoch: str, fingerprint: str) -> str:
    payload: dict[str, Any] = {"e": epoch[:_EPOCH_CHARS], "f": fingerprint, "s": cursor.since}
    if cursor.high is not None:
        payload["h"] = cursor.high
    if cursor.after_change is not None:
        payload["q"], payload["i"] = cursor.after_change
    if cursor.after_point is not None:
        payload["p"] = cursor.after_point
    return cursors.pack(payload)


def _bad(key: str) -> ValidationProblem:
    return ValidationProblem.for_field("query", "since", Text(key))


def _count(payload: dict[str, Any], name: str, *, required: bool = False) -> int | None:
    value = payload.get(name)
    if value is None and not required:
        return None
    if type(value) is not int or value < 0 or value > 2**62:
        raise _bad("sync.cursor_malformed")
    return value


def decode(raw: str, *, fingerprint: str) -> tuple[str, SyncCursor]:
    """The cursor's epoch and position; 422 naming ``since`` when it is not one of ours."""
    payload = cursors.unpack(raw, field="since", malformed="sync.cursor_malformed")
    if not isinstance(payload.get("e"), str):
        raise _bad("sync.cursor_malformed")
    if payload.get("f") != fingerprint:
        raise _bad("sync.cursor_other_scope")
    since = _count(payload, "s", required=True)
    high = _count(payload, "h")
    change_seq, change_id = _count(payload, "q"), _count(payload, "i")
    after_point = _count(payload, "p")
    assert since is not None
    if (change_seq is None) != (change_id is None) or (
        (change_seq is not None or after_point is not None) and high is None
    ):
        raise _bad("sync.cursor_malformed")
    if high is not None and high < since:
        raise _bad("sync.cursor_malformed")
    after_change = (
        (change_seq, change_id) if change_seq is not None and change_id is not None else None
    )
    return payload["e"], SyncCursor(
        since=since, high=high, after_change=after_change, after_point=after_point
    )


def same_epoch(cursor_epoch: str, database_epoch: str) -> bool:
    return cursor_epoch == database_epoch[:_EPOCH_CHARS]
