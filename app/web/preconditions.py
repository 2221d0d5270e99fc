"""Optimistic concurrency of every staff write (points, alerts, area services).

A record's strong ETag is its public id and version. A change must send ``If-Match`` with
it: 428 without one (``*`` is refused too: it would overwrite whatever is there), 412 when
it names another version. A write that loses the race after the check (another writer
moved the version between our read and our flush: SQLAlchemy's version counter raises
``StaleDataError``) is a 412 too. Every 412 and 428 names the current ETag and version, so
a client can read again and redo its change.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from app.errors import PreconditionFailed, PreconditionRequired
from app.http_cache import ENCODING_SUFFIXES

__all__ = ["check_if_match", "no_lost_update", "strong_tag", "version_etag"]


def version_etag(public_id: str, version: int) -> str:
    """The strong ETag of a record's version."""
    return f'"{public_id}.{version}"'


def strong_tag(tag: str) -> str:
    """A strong entity tag without the ``-br``/``-gz`` suffix compression adds to it."""
    for suffix in ENCODING_SUFFIXES:
        ending = suffix.decode() + '"'
        if tag.endswith(ending) and not tag.startswith("W/"):
            return tag[: -len(ending)] + '"'
    return tag


def _current(public_id: str, version: int) -> dict[str, Any]:
    current = version_etag(public_id, version)
    return {"current_etag": current, "current_version": version, "headers": {"ETag": current}}


def check_if_match(
    *,
    thing: str,
    public_id: str,
    version: int,
    if_match: str | None,
    also_accept: Callable[[Collection[str]], bool] | None = None,
) -> None:
    """Refuse a change whose ``If-Match`` is missing (428) or names another version (412).

    ``thing`` names the record in the message ("point", "alert"); ``also_accept`` may
    accept other tags of the same version (a point's public representations)."""
    extra = _current(public_id, version)
    tags = [t.strip() for t in (if_match or "").split(",") if t.strip()]
    if not tags:
        raise PreconditionRequired("send If-Match with the ETag of the version you edited", **extra)
    if "*" in tags:
        raise PreconditionRequired(f"If-Match: * is not accepted; send the {thing}'s ETag", **extra)
    if extra["current_etag"] in {strong_tag(t) for t in tags}:
        return
    if also_accept is not None and also_accept(tags):
        return
    raise PreconditionFailed(
        f"the {thing} changed since you read it; read it again and redo your change", **extra
    )


@contextmanager
def no_lost_update(
    *, thing: str, public_id: str, committed_version: Callable[[], int | None]
) -> Iterator[None]:
    """Turn a write that lost the version race into 412, naming the version that won."""
    try:
        yield
    except StaleDataError:
        version = committed_version()
        extra = _current(public_id, version) if version is not None else {}
        raise PreconditionFailed(
            f"the {thing} was changed by someone else at the same time; read it again", **extra
        ) from None
