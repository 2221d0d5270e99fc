"""Helpers for point tests: isolated points in a country no seed record uses (AQ)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from app.geo.text import normalise_text, query_tokens
from tests.factories import make_organization, make_point

ISOLATED_COUNTRY = "AQ"


@contextmanager
def scratch(connection: Connection) -> Iterator[Session]:
    """A savepoint that is rolled back afterwards (one hypothesis example)."""
    savepoint = connection.begin_nested()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        savepoint.rollback()


def add_points(session: Session, coords: list[tuple[float, float]], **overrides: Any) -> list[str]:
    """Create published points at ``coords`` in the isolated country; returns public ids."""
    org = make_organization(session)
    ids = []
    for lat, lon in coords:
        point = make_point(session, org, lat=lat, lon=lon, country=ISOLATED_COUNTRY, **overrides)
        ids.append(point.public_id)
    session.commit()
    return ids


def reference_distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance by the Vincenty formula on a sphere (independent of the app's)."""
    radius = 6_371_008.7714
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    num = math.hypot(
        math.cos(p2) * math.sin(dl),
        math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl),
    )
    den = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return radius * math.atan2(num, den)


def destination(
    lat: float, lon: float, bearing_deg: float, distance_m: float
) -> tuple[float, float]:
    """The point ``distance_m`` from (lat, lon) along ``bearing_deg`` on the sphere."""
    radius = 6_371_008.7714
    d = distance_m / radius
    b = math.radians(bearing_deg)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    lon2 = (math.degrees(l2) + 540) % 360 - 180
    return max(-90.0, min(90.0, math.degrees(p2))), lon2


def all_pages(
    client: Any, params: dict[str, Any], headers: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Follow next_cursor to the end; returns every item."""
    items: list[dict[str, Any]] = []
    query = dict(params)
    for _ in range(1000):
        response = client.get("/v1/points", params=query, headers=headers or {})
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        if "next_cursor" not in body:
            return items
        query = {**params, "cursor": body["next_cursor"]}
    raise AssertionError("pagination did not end")


def add_named_points(
    db: Session, names: list[str], *, origin: tuple[float, float], **overrides: Any
) -> dict[str, str]:
    """Published points named ``names`` (Spanish), 0.01 degree apart from ``origin`` in
    the isolated country; their names by public id, in creation (id) order."""
    org = make_organization(db)
    made = {}
    for i, name in enumerate(names):
        point = make_point(
            db,
            org,
            lat=origin[0] + i * 0.01,
            lon=origin[1] + i * 0.01,
            country=ISOLATED_COUNTRY,
            translations={"es": {"name": name, "description": "Texto"}},
            **overrides,
        )
        made[point.public_id] = name
    db.commit()
    return made


def text_matches(texts: dict[str, str], query: str) -> list[str]:
    """The text-search contract, independently: the ids whose text has, for each query
    word, a word that starts with it (in the order of ``texts``)."""
    tokens = query_tokens(query)
    out = []
    for public_id, value in texts.items():
        words = normalise_text(value).split()
        if all(any(w.startswith(t) for w in words) for t in tokens):
            out.append(public_id)
    return out
