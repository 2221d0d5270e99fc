"""The preconditions of an alert's change: ``If-Match`` with its current ETag (428 without,
412 when stale), and 412 when a concurrent write wins the version check."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.alerts import repository
from app.alerts.models import (
    Alert,
)
from app.alerts.rendering import etag_of
from app.errors import (
    PreconditionFailed,
    PreconditionRequired,
)
from app.http_cache import ENCODING_SUFFIXES

__all__ = ["check_if_match", "no_lost_update"]


def _strong_tag(tag: str) -> str:
    for suffix in ENCODING_SUFFIXES:
        ending = suffix.decode() + '"'
        if tag.endswith(ending) and not tag.startswith("W/"):
            return tag[: -len(ending)] + '"'
    return tag


def check_if_match(alert: Alert, if_match: str | None) -> None:
    current = etag_of(alert)
    extra: dict[str, Any] = {
        "current_etag": current,
        "current_version": alert.version,
        "headers": {"ETag": current},
    }
    tags = [t.strip() for t in (if_match or "").split(",") if t.strip()]
    if not tags or "*" in tags:
        raise PreconditionRequired("send If-Match with the ETag of the version you edited", **extra)
    if current not in {_strong_tag(t) for t in tags}:
        raise PreconditionFailed(
            "the alert changed since you read it; read it again and redo your change", **extra
        )


@contextmanager
def no_lost_update(session: Session, alert: Alert) -> Iterator[None]:
    public_id = alert.public_id
    try:
        yield
    except StaleDataError:
        version = repository.committed_version(session, public_id)
        raise PreconditionFailed(
            "the alert was changed by someone else at the same time; read it again",
            current_version=version,
        ) from None
