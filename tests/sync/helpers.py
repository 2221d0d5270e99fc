"""A client replica that applies sync pages, and the server's public state read independently."""

from __future__ import annotations

import base64
import copy
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.languages.models import Language
from app.organizations.models import Organization
from app.service_points.models import ServicePoint
from app.taxonomy.models import Audience, AudienceTranslation, Category, CategoryTranslation

LISTS = ("points", "categories", "audiences", "feedback_tags", "countries", "alerts")


def record_key(kind: str, record: dict[str, Any]) -> str:
    return str(record["id"] if kind in ("points", "alerts") else record["code"])


@dataclass
class Replica:
    """What an app keeps: records by kind and key, and the last cursor."""

    records: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {kind: {} for kind in LISTS}
    )
    cursor: str | None = None
    pages: int = 0

    def apply(self, page: dict[str, Any]) -> None:
        if page.get("reset"):
            self.records = {kind: {} for kind in LISTS}
        for kind in LISTS:
            for record in page.get(kind, []):
                self.records[kind][record_key(kind, record)] = record
        for kind, keys in page.get("deleted", {}).items():
            for key in keys:
                self.records[kind].pop(key, None)
        self.cursor = page["cursor"]
        self.pages += 1

    def copy(self) -> Replica:
        return Replica(records=copy.deepcopy(self.records), cursor=self.cursor)


def verify_page(client: Any, response: Any) -> None:
    """Check the Ed25519 signature of a response with the published key of its key id."""
    keys = {k["kid"]: k["public_key"] for k in client.get("/v1/keys").json()["keys"]}
    kid = response.headers["rumbo-key-id"]
    Ed25519PublicKey.from_public_bytes(base64.b64decode(keys[kid])).verify(
        base64.b64decode(response.headers["rumbo-signature"]), response.content
    )


def sync(
    client: Any, replica: Replica, *, verify: bool = False, max_pages: int = 10_000, **params: Any
) -> list[dict[str, Any]]:
    """Sync ``replica`` until no page is left; returns the pages."""
    pages = []
    for _ in range(max_pages):
        query = dict(params)
        if replica.cursor is not None:
            query["since"] = replica.cursor
        response = client.get("/v1/sync", params=query)
        assert response.status_code == 200, response.text
        if verify:
            verify_page(client, response)
        page = response.json()
        replica.apply(page)
        pages.append(page)
        if not page["more"]:
            return pages
    raise AssertionError("sync did not end")


def public_points(session: Session, *, country: str) -> dict[str, dict[str, Any]]:
    """Public points of ``country`` straight from the tables (not through app.sync)."""
    session.expire_all()
    points = session.scalars(
        select(ServicePoint).where(
            ServicePoint.country == country,
            ServicePoint.deleted_at.is_(None),
            ServicePoint.status.in_(("published", "temporarily_closed")),
        )
    ).all()
    return {
        p.public_id: {
            "status": p.status,
            "locality": p.locality,
            "location": {"lat": p.lat, "lon": p.lon},
            "names": {t.lang: t.name for t in p.translations},
            "descriptions": {t.lang: t.description for t in p.translations if t.description},
        }
        for p in points
    }


def replica_points(replica: Replica) -> dict[str, dict[str, Any]]:
    """The replica's points in the shape of :func:`public_points` (every language synced)."""
    return {
        key: {
            "status": r["status"],
            "locality": r.get("locality"),
            "location": r["location"],
            "names": {lang: t["name"] for lang, t in r["texts"].items()},
            "descriptions": {
                lang: t["description"] for lang, t in r["texts"].items() if "description" in t
            },
        }
        for key, r in replica.records["points"].items()
    }


def minimal_world(app: FastAPI) -> str:
    """Languages, two categories, an audience and an organisation; returns the org id."""
    with app.state.database.session() as session, session.begin():
        for tag, endonym in (("es", "español"), ("en", "English"), ("fr", "français")):
            session.add(Language(tag=tag, endonym=endonym))
        for order, (code, names) in enumerate(
            (
                ("shelter", {"es": "Albergue", "en": "Shelter", "fr": "Abri"}),
                ("health", {"es": "Salud", "en": "Health"}),
            )
        ):
            session.add(
                Category(
                    code=code,
                    sort_order=order,
                    translations=[
                        CategoryTranslation(lang=lang, name=name) for lang, name in names.items()
                    ],
                )
            )
        session.add(
            Audience(
                code="women",
                translations=[AudienceTranslation(lang="es", name="Mujeres")],
            )
        )
        org = Organization(slug="test-org", name="Test organisation")
        session.add(org)
        session.flush()
        return org.id
