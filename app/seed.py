"""Load the seed data in ``seed/`` through the same write paths as the API (idempotent)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import langcodes
import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.alerts.seed import load_alerts
from app.countries.seed import load_countries
from app.exchange import repository as exchange_repository
from app.feedback.catalogue import load_tags as load_feedback_tags
from app.languages.models import Language
from app.organizations.models import Organization, OrganizationTranslation
from app.service_areas.seed import load_area_services
from app.service_points import bulk_repository, state, writing
from app.service_points.bulk import BulkWriter, NewPoint, PointChange
from app.service_points.bulk_repository import Loaded
from app.service_points.inputs import ServicePointCreate
from app.service_points.models import ServicePoint
from app.service_points.state import PointState
from app.sync import tracking
from app.taxonomy.models import Audience, AudienceTranslation, Category, CategoryTranslation

__all__ = ["SEED_DIR", "load_all"]

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"
BASE_LANGUAGES = ("es", "en", "fr", "pt", "ht")
log = logging.getLogger("rumbo.seed")


def _read(path: Path) -> Any:
    return orjson.loads(path.read_bytes())


def load_languages(session: Session, tags: set[str]) -> None:
    existing = set(session.scalars(select(Language.tag)))
    for tag in sorted(tags - existing):
        session.add(Language(tag=tag, endonym=str(langcodes.Language.get(tag).autonym())))
    session.flush()


def load_taxonomy(session: Session, seed_dir: Path) -> set[str]:
    """Categories (parents first) and audiences; returns the languages they use."""
    langs: set[str] = set()
    for order, item in enumerate(_read(seed_dir / "categories.json")):
        category = session.get(Category, item["code"]) or Category(code=item["code"])
        category.parent_code = item.get("parent")
        category.icon = item.get("icon")
        category.sort_order = order
        descriptions = item.get("descriptions", {})
        keywords = item.get("keywords", {})
        category.translations = [
            CategoryTranslation(
                lang=lang,
                name=name,
                description=descriptions.get(lang),
                keywords=" ".join(keywords.get(lang, [])) or None,
            )
            for lang, name in item["names"].items()
        ]
        langs.update(item["names"])
        session.add(category)
        session.flush()
    for order, item in enumerate(_read(seed_dir / "audiences.json")):
        audience = session.get(Audience, item["code"]) or Audience(code=item["code"])
        audience.sort_order = order
        audience.translations = [
            AudienceTranslation(lang=lang, name=name) for lang, name in item["names"].items()
        ]
        langs.update(item["names"])
        session.add(audience)
    session.flush()
    return langs


def _upsert_organization(session: Session, item: dict[str, Any]) -> None:
    org = session.scalars(select(Organization).where(Organization.slug == item["id"])).first()
    if org is None:
        org = Organization(slug=item["id"])
        session.add(org)
    source = item.get("source") or {}
    org.name = item["name"]
    org.website = item.get("website")
    org.country = item.get("country")
    org.source_title = source.get("title")
    org.source_url = source.get("url")
    org.source_publisher = source.get("publisher")
    org.is_sample = bool(item.get("sample", False))
    org.translations = [
        OrganizationTranslation(lang=lang, name=name)
        for lang, name in (item.get("names") or {}).items()
    ]
    session.flush()


def _point_payload(item: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in item.items() if k != "organization" and k != "sample"}
    data["is_sample"] = bool(item.get("sample", False))
    data.setdefault("status", "published")
    return data


def _seed_state(item: dict[str, Any]) -> PointState:
    """The state a seed record asks for (validated by the write API's own model)."""
    return state.created(ServicePointCreate.model_validate(_point_payload(item)))


def _same_set(wanted: list[str], before: list[str]) -> list[str]:
    return before if sorted(wanted) == sorted(before) else wanted


def _change(point: Loaded, wanted: PointState) -> PointChange | None:
    """What to write to bring an existing point to its seed record (None: nothing).

    The seed never touches what staff did: verification, deletion, and languages it does
    not carry."""
    before = point.state
    after = replace(
        wanted,
        last_verified_at=before.last_verified_at,
        verified_by_organization_id=before.verified_by_organization_id,
        deleted_at=before.deleted_at,
        translations={**before.translations, **wanted.translations},
        # Sets, stored without order.
        audiences=_same_set(wanted.audiences, before.audiences),
        spoken_languages=_same_set(wanted.spoken_languages, before.spoken_languages),
    )
    if after == before:
        return None
    texts = frozenset(
        lang for lang, text in wanted.translations.items() if before.translations.get(lang) != text
    )
    return PointChange(point, after, texts)


def _read_points(seed_dir: Path, session: Session) -> list[dict[str, Any]]:
    """Organisations (upserted on the way) and the point records of ``points/*.json``."""
    for item in _read(seed_dir / "organizations.json"):
        _upsert_organization(session, item)
    point_items: list[dict[str, Any]] = []
    for path in sorted((seed_dir / "points").glob("*.json")):
        content = _read(path)
        if isinstance(content, dict):
            for item in content.get("organizations", []):
                _upsert_organization(session, item)
            point_items.extend(content.get("points", []))
        else:
            point_items.extend(content)
    return point_items


def load_points(session: Session, seed_dir: Path) -> tuple[int, int]:
    """Organisations and points from ``organizations.json`` and ``points/*.json``.

    Points go through the import's bulk writer (app.service_points.bulk): the same states,
    search documents and sync log as one-by-one writes, in a few statements per
    organisation. A point already there (same ``external_id``) is updated when its record
    changed; returns (created, updated)."""
    items = _read_points(seed_dir, session)
    # (A Result has keys(): dict() would read it as a mapping.)
    org_ids: dict[str, str] = {
        row.slug: row.id for row in session.execute(select(Organization.slug, Organization.id))
    }
    matches = exchange_repository.points_by_keys(session, (), [i["external_id"] for i in items])
    existing = {m.external_id: m.id for m in matches if m.external_id}
    loaded = bulk_repository.load(session, existing.values())
    categories = writing.category_texts(session)
    writes: dict[str, list[NewPoint | PointChange]] = {}
    created = updated = 0
    for item in items:
        wanted = _seed_state(item)
        point_id = existing.get(item["external_id"])
        if point_id is None:
            write: NewPoint | PointChange | None = NewPoint(str(uuid.uuid4()), wanted)
            organization_id = org_ids[item["organization"]]
            created += 1
        else:
            point = loaded[point_id]
            write, organization_id = _change(point, wanted), point.organization_id
            updated += write is not None
        if write is not None:
            writes.setdefault(organization_id, []).append(write)
    for organization_id, batch in writes.items():
        BulkWriter(session, organization_id=organization_id, categories=categories).write(batch)
    session.flush()
    return created, updated


def load_all(session: Session, seed_dir: Path = SEED_DIR) -> dict[str, int]:
    """Every seed file, in dependency order. Safe to run again: it updates in place."""
    tracking.install()  # what the seed writes reaches offline clients (idempotent)
    load_languages(session, set(BASE_LANGUAGES))
    langs = load_taxonomy(session, seed_dir)
    langs |= load_feedback_tags(session, seed_dir / "feedback_tags.json")
    load_languages(session, langs)
    created, updated = load_points(session, seed_dir)
    log.info("seed: %d points created, %d updated", created, updated)
    load_countries(session, seed_dir)
    alerts = load_alerts(session, seed_dir / "alerts.json")
    areas, _ = load_area_services(session, seed_dir / "area_services.json")
    return {
        "points_created": created,
        "points_updated": updated,
        "alerts_created": alerts,
        "area_services_created": areas,
    }


def database_is_empty(session: Session) -> bool:
    return session.scalars(select(ServicePoint.id).limit(1)).first() is None
