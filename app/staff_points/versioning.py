"""Optimistic concurrency of the staff writes: a point's strong ETag (public id and
version), ``If-Match`` checked against it (428 when missing, 412 when stale), and a write that
lost a race turned into 412."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.errors import PreconditionFailed, PreconditionRequired
from app.http_cache import ENCODING_SUFFIXES, etag_version
from app.service_points.models import ServicePoint
from app.staff_points import repository as staff_repository

__all__ = ["check_if_match", "etag_of", "no_lost_update"]


def etag_of(point: ServicePoint) -> str:
    """The point's strong ETag: its public id and version."""
    return _etag(point.public_id, point.version)


def _etag(public_id: str, version: int) -> str:
    return f'"{public_id}.{version}"'


def _strong_tag(tag: str) -> str:
    """A strong entity tag without the ``-br``/``-gz`` suffix compression adds to it."""
    for suffix in ENCODING_SUFFIXES:
        ending = suffix.decode() + '"'
        if tag.endswith(ending) and not tag.startswith("W/"):
            return tag[: -len(ending)] + '"'
    return tag


def check_if_match(point: ServicePoint, if_match: str | None) -> None:
    current = etag_of(point)
    extra: dict[str, Any] = {
        "current_etag": current,
        "current_version": point.version,
        "headers": {"ETag": current},
    }
    tags = [t.strip() for t in (if_match or "").split(",") if t.strip()]
    if not tags:
        raise PreconditionRequired("send If-Match with the ETag of the version you edited", **extra)
    if "*" in tags:
        raise PreconditionRequired("If-Match: * is not accepted; send the point's ETag", **extra)
    # The staff ETag (strong comparison), or the public ETag of any representation of the
    # current version (``GET /v1/points/{id}`` in any language or coding): same version.
    if current not in {_strong_tag(t) for t in tags} and point.version not in {
        etag_version(t) for t in tags
    }:
        raise PreconditionFailed(
            "the point changed since you read it; read it again and redo your change", **extra
        )


@contextmanager
def no_lost_update(session: Session, point: ServicePoint) -> Iterator[None]:
    """Turn a concurrent write (the version moved under us) into 412."""
    public_id = point.public_id
    try:
        yield
    except StaleDataError:
        version = staff_repository.committed_version(session, public_id)
        extra: dict[str, Any] = {}
        if version is not None:
            current = _etag(public_id, version)
            extra = {
                "current_etag": current,
                "current_version": version,
                "headers": {"ETag": current},
            }
        raise PreconditionFailed(
            "the point was changed by someone else at the same time; read it again", **extra
        ) from None
