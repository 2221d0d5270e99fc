"""Freshness: a source's "as of" date is not a verification, but a point is only as old as
the later of it and the last verification (``verification.stale``)."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.service_points import freshness
from app.service_points.models import PointStatus, ServicePoint
from tests.accounts.helpers import bearer, login, make_user
from tests.factories import make_organization, point_payload
from tests.imports.helpers import csv_bytes, editor, post_import, row

STALE_AFTER = dt.timedelta(days=180)


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _create(client: TestClient, auth: dict[str, str], as_of: dt.date | None) -> dict:
    source = {"title": "Field report", "url": "https://example.org/report", "publisher": "NGO"}
    if as_of is not None:
        source["as_of"] = as_of.isoformat()
    created = client.post("/v1/points", json=point_payload(source=source), headers=auth)
    assert created.status_code == 201, created.text
    return created.json()


def test_source_as_of_counts_for_freshness_but_is_not_a_verification(
    client: TestClient, db: Session
) -> None:
    org = make_organization(db, slug="fresh-org", name="Fresh NGO")
    user = make_user(db, roles=[(org, Role.editor)])
    auth = bearer(login(client, user.email)["access_token"])

    recent = _create(client, auth, _today() - dt.timedelta(days=10))
    old = _create(client, auth, _today() - dt.timedelta(days=400))
    undated = _create(client, auth, None)

    for point, stale in ((recent, False), (old, True), (undated, True)):
        public = client.get(f"/v1/points/{point['id']}").json()
        assert public["verification"]["stale"] is stale, public
        # The source's date is shown as its own field, never as a verification.
        assert "last_verified_at" not in public["verification"]
        assert public["source"].get("as_of") == point["source"].get("as_of")
    assert client.get(f"/v1/points/{recent['id']}").json()["source"]["as_of"] == (
        (_today() - dt.timedelta(days=10)).isoformat()
    )

    # Staff verify the old one: the verification makes it fresh, the as-of date stays.
    verified = client.post(
        f"/v1/points/{old['id']}/verify", headers={**auth, "If-Match": old["etag"]}
    )
    assert verified.status_code == 200, verified.text
    public = client.get(f"/v1/points/{old['id']}").json()
    assert public["verification"]["stale"] is False
    assert public["verification"]["last_verified_at"]
    assert public["source"]["as_of"] == (_today() - dt.timedelta(days=400)).isoformat()

    # PATCH sets the date (the whole source object is replaced, as before).
    patched = client.patch(
        f"/v1/points/{undated['id']}",
        json={"source": {"title": "New report", "as_of": _today().isoformat()}},
        headers={**auth, "If-Match": undated["etag"]},
    )
    assert patched.status_code == 200, patched.text
    public = client.get(f"/v1/points/{undated['id']}").json()
    assert public["source"]["as_of"] == _today().isoformat()
    assert public["verification"]["stale"] is False


def test_as_of_in_the_future_is_refused_naming_the_field(client: TestClient, db: Session) -> None:
    org = make_organization(db, slug="future-org", name="Future NGO")
    user = make_user(db, roles=[(org, Role.editor)])
    auth = bearer(login(client, user.email)["access_token"])
    future = (_today() + dt.timedelta(days=30)).isoformat()
    response = client.post(
        "/v1/points", json=point_payload(source={"title": "x", "as_of": future}), headers=auth
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "as_of" in response.text


def test_import_accepts_source_as_of_and_exports_it(client: TestClient, db: Session) -> None:
    headers, org = editor(client, db)
    as_of = (_today() - dt.timedelta(days=3)).isoformat()
    first = row(0, source_title="Municipal list", source_as_of=as_of)
    columns = [*first.keys()]
    response = post_import(client, headers, csv_bytes([first], columns), organization=org.slug)
    assert response.status_code == 200, response.text
    point = db.scalars(
        select(ServicePoint).where(ServicePoint.external_id == first["external_id"])
    ).one()
    assert point.source_as_of == dt.date.fromisoformat(as_of)
    assert point.last_verified_at is None
    public = client.get(f"/v1/points/{point.public_id}").json()
    assert public["source"]["as_of"] == as_of
    assert public["verification"]["stale"] is False


def test_every_copy_of_the_rule_agrees(db: Session) -> None:
    """The SQL condition the console counts with and the rule the API renders with give
    the same answer on every seeded point, now and a year from now."""
    for now in (dt.datetime.now(dt.UTC), dt.datetime.now(dt.UTC) + dt.timedelta(days=365)):
        rows = db.execute(
            select(
                ServicePoint.id,
                ServicePoint.status,
                ServicePoint.last_verified_at,
                ServicePoint.source_as_of,
            ).where(ServicePoint.deleted_at.is_(None))
        ).all()
        expected = {
            r.id
            for r in rows
            if freshness.is_stale(
                published=r.status == PointStatus.published.value,
                last_verified_at=r.last_verified_at,
                source_as_of=r.source_as_of,
                now=now,
                stale_after=STALE_AFTER,
            )
        }
        in_sql = set(
            db.scalars(
                select(ServicePoint.id).where(
                    ServicePoint.deleted_at.is_(None), freshness.stale_clause(now - STALE_AFTER)
                )
            )
        )
        assert in_sql == expected
        assert db.scalar(select(func.count()).select_from(ServicePoint)) == len(rows)


def test_fresh_since_is_the_later_date() -> None:
    verified = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    assert freshness.fresh_since(None, None) is None
    assert freshness.fresh_since(verified, None) == verified
    assert freshness.fresh_since(None, dt.date(2026, 5, 2)) == dt.datetime(
        2026, 5, 2, tzinfo=dt.UTC
    )
    assert freshness.fresh_since(verified, dt.date(2026, 1, 1)) == verified
    assert freshness.fresh_since(verified, dt.date(2026, 3, 2)) == dt.datetime(
        2026, 3, 2, tzinfo=dt.UTC
    )
    # Closed and draft points are never stale: nobody should travel to them anyway.
    assert not freshness.is_stale(
        published=False,
        last_verified_at=None,
        source_as_of=None,
        now=verified,
        stale_after=STALE_AFTER,
    )
