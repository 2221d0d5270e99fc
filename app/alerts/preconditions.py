"""The preconditions of an alert's change (:mod:`app.web.preconditions`): ``If-Match``
with its current ETag (428 without, 412 when stale), and 412 when a concurrent write wins
the version check."""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy.orm import Session

from app.alerts import repository
from app.alerts.models import Alert
from app.web import preconditions

__all__ = ["check_if_match", "no_lost_update"]


def check_if_match(alert: Alert, if_match: str | None) -> None:
    preconditions.check_if_match(
        thing="alert", public_id=alert.public_id, version=alert.version, if_match=if_match
    )


def no_lost_update(session: Session, alert: Alert) -> AbstractContextManager[None]:
    public_id = alert.public_id
    return preconditions.no_lost_update(
        thing="alert",
        public_id=public_id,
        committed_version=lambda: repository.committed_version(session, public_id),
    )
