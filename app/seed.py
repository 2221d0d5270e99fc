"""Load the seed data in ``seed/`` through the same write paths as the API (idempotent)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import langcodes
import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.alerts.seed import load_alerts
from app.countries.seed import load_countries
from app.feedback.catalogue import load_tags as load_feedback_tags
from app.languages.models import Language
from app.organizations.models import Organization, OrganizationTranslation
from app.service_points import writing
from app.service_points.inputs import ServicePointCreate, ServicePointUpdate, TranslationInput
from app.service_points.models import ServicePoint
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
    data = {k: v for k, v in item.items() if k not in {"organization", "sample", "status"}}
    data["is_sample"] = bool(item.get("sample", False))
    return data


def _upsert_point(session: Session, item: dict[str, Any], org_ids: dict[str, str]) -> bool:
    payload = _point_payload(item)
    existing = session.scalars(
        select(ServicePoint).where(ServicePoint.external_id == item["external_id"])
    ).first()
    if existing is None:
        create = ServicePointCreate.model_validate(
            {**payload, "status": item.get("status", "published")}
        )
        writing.create_point(session, create, organization_id=org_ids[item["organization"]])
        return True
    translations = payload.pop("translations")
    writing.update_point(session, existing, ServicePointUpdate.model_validate(payload))
    for lang, text in translations.items():
        writing.put_translation(session, existing, lang, TranslationInput.model_validate(text))
    existing.status = item.get("status", "published")
    return False


def load_points(session: Session, seed_dir: Path) -> tuple[int, int]:
    """Organisations and points from ``organizations.json`` and ``points/*.json``."""
    for item in _read(seed_dir / "organizations.json"):
        _upsert_organization(session, item)
    files = sorted((seed_dir / "points").glob("*.json"))
    point_items: list[dict[str, Any]] = []
    for path in files:
        content = _read(path)
        if isinstance(content, dict):
            for item in content.get("organizations", []):
                _upsert_organization(session, item)
            point_items.extend(content.get("points", []))
        else:
            point_items.extend(content)
    org_ids = dict(session.execute(select(Organization.slug, Organization.id)).all())
    created = updated = 0
    for item in point_items:
        if _upsert_point(session, item, org_ids):
            created += 1
        else:
            updated += 1
    session.flush()
    return created, updated


def load_all(session: Session, seed_dir: Path = SEED_DIR) -> dict[str, int]:
    """Every seed file, in dependency order. Safe to run again: it updates in place."""
    load_languages(session, set(BASE_LANGUAGES))
    langs = load_taxonomy(session, seed_dir)
    langs |= load_feedback_tags(session, seed_dir / "feedback_tags.json")
    load_languages(session, langs)
    created, updated = load_points(session, seed_dir)
    log.info("seed: %d points created, %d updated", created, updated)
    load_countries(session, seed_dir)
    alerts = load_alerts(session, seed_dir / "alerts.json")
    return {"points_created": created, "points_updated": updated, "alerts_created": alerts}


def database_is_empty(session: Session) -> bool:
    return session.scalars(select(ServicePoint.id).limit(1)).first() is None
