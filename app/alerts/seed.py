"""Sample alerts from ``seed/alerts.json``: marked sample, valid from the time of loading."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.alerts.inputs import AlertTranslationInput
from app.alerts.models import Alert, AlertStatus, AlertTranslation
from app.countries.boundaries import codes_touching
from app.geo.areas import normalise_area
from app.organizations.models import Organization

__all__ = ["load_alerts"]


def _organization(session: Session, item: dict[str, Any]) -> Organization:
    org = session.scalars(
        select(Organization).where(Organization.slug == item["slug"])
    ).one_or_none()
    if org is None:
        org = Organization(slug=item["slug"], name=item["name"], is_sample=True)
        session.add(org)
        session.flush()
    return org


def load_alerts(session: Session, path: Path) -> int:
    """Create the sample alerts that are missing, published now (existing ones are kept)."""
    if not path.exists():
        return 0
    content = json.loads(path.read_text(encoding="utf-8"))
    org = _organization(session, content["organization"])
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    created = 0
    for item in content["alerts"]:
        if session.scalar(select(Alert.id).where(Alert.public_id == item["id"])) is not None:
            continue
        area, countries = normalise_area(item["area"], touching=codes_touching)
        alert = Alert(
            public_id=item["id"],
            organization_id=org.id,
            category=item["category"],
            severity=item["severity"],
            urgency=item["urgency"],
            certainty=item["certainty"],
            area=area,
            countries=countries,
            effective_at=now,
            expires_at=now + dt.timedelta(days=item["valid_days"]),
            source_url=item.get("source_url"),
            original_language=item["original_language"],
            status=AlertStatus.published.value,
            is_sample=True,
            authors=["cli"],
            published_at=now,
            published_by="cli",
        )
        for lang, text in item["translations"].items():
            checked = AlertTranslationInput.model_validate(text)
            alert.translations.append(AlertTranslation(lang=lang, **checked.model_dump()))
        session.add(alert)
        created += 1
    session.flush()
    return created
