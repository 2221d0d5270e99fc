"""Optimistic concurrency of the staff writes: a point's strong ETag (public id and
version), ``If-Match`` checked against it (428 when missing, 412 when stale), and a write that
lost a race turned into 412."""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy.orm import Session

from app.http_cache import etag_version
from app.service_points.models import ServicePoint
from app.staff_points import repository as staff_repository
from app.web import preconditions

__all__ = ["check_if_match", "etag_of", "no_lost_update"]


def etag_of(point: ServicePoint) -> str:
    """The point's strong ETag: its public id and version."""
    return preconditions.version_etag(point.public_id, point.version)


def check_if_match(point: ServicePoint, if_match: str | None) -> None:
    """The staff ETag (strong comparison), or the public ETag of any representation of the
    current version (``GET /v1/points/{id}`` in any language or coding): same version."""
    version = point.version
    preconditions.check_if_match(
        thing="point",
        public_id=point.public_id,
        version=version,
        if_match=if_match,
        also_accept=lambda tags: version in {etag_version(t) for t in tags},
    )


def no_lost_update(session: Session, point: ServicePoint) -> AbstractContextManager[None]:
    """Turn a concurrent write (the version moved under us) into 412."""
    public_id = point.public_id
    return preconditions.no_lost_update(
        thing="point",
        public_id=public_id,
        committed_version=lambda: staff_repository.committed_version(session, public_id),
    )
