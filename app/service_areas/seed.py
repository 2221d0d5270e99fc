"""Area services from ``seed/area_services.json`` (national lines and online services with
their public source); validated by the write API's rules, created or updated in place by
``external_id``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.organizations.models import Organization
from app.service_areas import repository
from app.service_areas.inputs import AreaServiceCreate
from app.service_areas.models import AreaService
from app.service_areas.rendering import snapshot
from app.service_areas.staff import apply_fields

__all__ = ["load_area_services"]


def _payload(item: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in item.items() if k not in ("organization", "sample")}
    data["is_sample"] = bool(item.get("sample", True))
    data.setdefault("status", "published")
    return data


def load_area_services(session: Session, path: Path) -> tuple[int, int]:
    """Create the missing ones and update the changed ones; returns (created, updated)."""
    if not path.exists():
        return 0, 0
    content = json.loads(path.read_text(encoding="utf-8"))
    orgs = {row.slug: row.id for row in session.execute(select(Organization.slug, Organization.id))}
    created = updated = 0
    for item in content["area_services"]:
        data = AreaServiceCreate.model_validate(_payload(item))
        found = repository.by_external_id(session, item["external_id"])
        if found is None:
            now = utcnow()
            found = AreaService(
                organization_id=orgs[item["organization"]],
                original_language=data.original_language,
                created_at=now,
                updated_at=now,
                countries=[],
                categories=[],
                spoken_languages=[],
                phones=[],
            )
            apply_fields(session, found, data)
            session.add(found)
            created += 1
            continue
        before = snapshot(found)
        apply_fields(session, found, data)
        if snapshot(found) != before:
            found.updated_at = utcnow()
            updated += 1
    session.flush()
    return created, updated
