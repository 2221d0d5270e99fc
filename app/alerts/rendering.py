"""An alert as the public API and the staff API show it, its ETag and its audit snapshot."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.alerts.categories import label
from app.alerts.models import (
    TRANSLATABLE_FIELDS,
    TWO_PERSON_SEVERITIES,
    Alert,
    AlertStatus,
    Severity,
)
from app.alerts.schemas import (
    AlertRead,
    AlertSource,
    OrganizationRef,
    StaffAlertRead,
    StaffTranslationRead,
)
from app.i18n.fallback import localise
from app.i18n.negotiation import LanguagePreference
from app.web.preconditions import version_etag

__all__ = ["etag_of", "render_public", "snapshot", "staff_view", "state_of"]


def state_of(alert: Alert, now: dt.datetime) -> str:
    if alert.status != AlertStatus.published.value:
        return alert.status
    if now >= alert.expires_at:
        return "expired"
    return "active" if alert.effective_at <= now else "scheduled"


def _translations(alert: Alert) -> dict[str, dict[str, str | None]]:
    return {t.lang: {f: getattr(t, f) for f in TRANSLATABLE_FIELDS} for t in alert.translations}


def _public_fields(alert: Alert, pref: LanguagePreference, now: dt.datetime) -> dict[str, Any]:
    text = localise(
        _translations(alert), TRANSLATABLE_FIELDS, pref.chain_for(alert.original_language)
    )
    served = text.lang or alert.original_language
    category_label, _ = label(alert.category, (served, *pref.chain))
    return {
        "id": alert.public_id,
        "category": alert.category,
        "category_label": category_label,
        "severity": alert.severity,
        "urgency": alert.urgency,
        "certainty": alert.certainty,
        "title": text.values.get("title", ""),
        "body": text.values.get("body"),
        "instructions": text.values.get("instructions"),
        "area_description": text.values.get("area_description"),
        "lang": served,
        "lang_fallback": pref.is_fallback(served),
        "field_lang": text.field_lang or None,
        "languages_available": text.available,
        "area": alert.area,
        "countries": list(alert.countries),
        "effective": alert.effective_at.replace(microsecond=0),
        "expires": alert.expires_at.replace(microsecond=0),
        "state": state_of(alert, now),
        "organization": OrganizationRef(id=alert.organization.slug, name=alert.organization.name),
        "source": AlertSource(
            url=alert.source_url, title=alert.source_title, sample=alert.is_sample
        ),
        "published_at": alert.published_at.replace(microsecond=0) if alert.published_at else None,
        "updated_at": alert.updated_at.replace(microsecond=0),
    }


def render_public(alert: Alert, pref: LanguagePreference, now: dt.datetime) -> AlertRead:
    return AlertRead(**_public_fields(alert, pref, now))


def etag_of(alert: Alert) -> str:
    return version_etag(alert.public_id, alert.version)


def staff_view(alert: Alert, now: dt.datetime | None = None) -> StaffAlertRead:
    """The alert in its own language with every translation, its version and ETag."""
    now = now or dt.datetime.now(dt.UTC)
    original = alert.original_language
    pref = LanguagePreference(requested=(original,), chain=(original,), served=original)
    return StaffAlertRead(
        **_public_fields(alert, pref, now),
        status=alert.status,
        version=alert.version,
        etag=etag_of(alert),
        original_language=original,
        translations={
            t.lang: StaffTranslationRead(
                **{f: getattr(t, f) for f in TRANSLATABLE_FIELDS}, updated_at=t.updated_at
            )
            for t in alert.translations
        },
        needs_second_person=Severity(alert.severity) in TWO_PERSON_SEVERITIES,
        created_at=alert.created_at,
        cancelled_at=alert.cancelled_at,
    )


def snapshot(alert: Alert) -> dict[str, Any]:
    """Every audited field, translations flattened as ``translations.<lang>.<field>``."""
    out: dict[str, Any] = {
        name: getattr(alert, name)
        for name in (
            "category",
            "severity",
            "urgency",
            "certainty",
            "area",
            "countries",
            "effective_at",
            "expires_at",
            "source_url",
            "source_title",
            "original_language",
            "status",
            "is_sample",
        )
    }
    for t in alert.translations:
        for name in TRANSLATABLE_FIELDS:
            out[f"translations.{t.lang}.{name}"] = getattr(t, name)
    return out
