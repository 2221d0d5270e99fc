"""Alerts in offline sync and bundles: their records, and which ones a country carries.

A country's sync and bundle carry its published alerts that have not expired (scheduled
ones too: apps show an alert from its ``effective`` to its ``expires`` time, offline); a
cancelled alert is a change (a tombstone in the next delta). Expiry is never written, so a
delta also lists as tombstones the country's alerts that expired in the last
:data:`EXPIRED_TOMBSTONE_DAYS` days (deleting an absent key is a no-op for a client); apps
drop an alert at its ``expires`` anyway.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.alerts.coverage import order_key
from app.alerts.models import TRANSLATABLE_FIELDS, Alert, AlertStatus

__all__ = [
    "EXPIRED_TOMBSTONE_DAYS",
    "active_records",
    "alert_record",
    "carried_at",
    "expired_ids",
    "published_records",
    "resolve",
]

EXPIRED_TOMBSTONE_DAYS = 30

PickLanguages = Callable[[set[str], str], list[str]]


def alert_record(alert: Alert, pick: PickLanguages) -> dict[str, Any]:
    """An alert's offline record: every field an app needs to show and expire it."""
    texts = {t.lang: {f: getattr(t, f) for f in TRANSLATABLE_FIELDS} for t in alert.translations}
    langs = pick(set(texts), alert.original_language)
    return {
        "id": alert.public_id,
        "category": alert.category,
        "severity": alert.severity,
        "urgency": alert.urgency,
        "certainty": alert.certainty,
        "area": alert.area,
        "countries": list(alert.countries),
        "effective": alert.effective_at,
        "expires": alert.expires_at,
        "organization": {"id": alert.organization.slug, "name": alert.organization.name},
        "source": {"url": alert.source_url, "title": alert.source_title, "sample": alert.is_sample},
        "original_language": alert.original_language,
        "texts": {lang: texts[lang] for lang in langs if lang in texts},
        "published_at": alert.published_at,
        "updated_at": alert.updated_at,
        "version": alert.version,
    }


def _carried(alert: Alert, now: dt.datetime) -> bool:
    return alert.status == AlertStatus.published.value and now < alert.expires_at


def _published(session: Session) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.status == AlertStatus.published.value)))


def published_records(
    session: Session, country: str, pick: PickLanguages
) -> list[tuple[dt.datetime, dict[str, Any]]]:
    """The country's published alerts as records, most severe first, each with when it
    expires (what depends on data only: a caller may keep it until the data changes)."""
    found = [a for a in _published(session) if country in a.countries]
    found.sort(key=lambda a: order_key(a.severity, a.published_at))
    return [(a.expires_at, alert_record(a, pick)) for a in found]


def active_records(
    session: Session, country: str, pick: PickLanguages, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """The country's current and scheduled alerts as records, most severe first."""
    return carried_at(published_records(session, country, pick), now)


def carried_at(records: list[tuple[dt.datetime, Any]], now: dt.datetime | None = None) -> list[Any]:
    """Of :func:`published_records`, those not expired at ``now``."""
    now = now or dt.datetime.now(dt.UTC)
    return [record for expires_at, record in records if now < expires_at]


def expired_ids(session: Session, country: str, now: dt.datetime | None = None) -> list[str]:
    """Ids of the country's alerts that expired lately (tombstones without a write)."""
    now = now or dt.datetime.now(dt.UTC)
    since = now - dt.timedelta(days=EXPIRED_TOMBSTONE_DAYS)
    return sorted(
        a.public_id
        for a in _published(session)
        if since < a.expires_at <= now and country in a.countries
    )


def resolve(
    session: Session,
    keys: Iterable[str],
    country: str | None,
    pick: PickLanguages,
    now: dt.datetime | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Changed alerts as records (active, in ``country``) or tombstones."""
    now = now or dt.datetime.now(dt.UTC)
    wanted = list(keys)
    alerts = {
        a.public_id: a for a in session.scalars(select(Alert).where(Alert.public_id.in_(wanted)))
    }
    out: list[dict[str, Any]] = []
    deleted: list[str] = []
    for key in wanted:
        alert = alerts.get(key)
        if alert is not None and _carried(alert, now) and country in alert.countries:
            out.append(alert_record(alert, pick))
        else:
            deleted.append(key)
    return out, deleted
