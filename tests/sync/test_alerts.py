"""Alerts offline: in the country's sync snapshot and bundle; a cancellation and an expiry
reach a synced client as tombstones (the expiry without any write)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.alerts.models import Alert
from tests.accounts.helpers import make_staff
from tests.alerts.helpers import create, publish
from tests.factories import make_organization


def _sync(client: TestClient, since: str | None = None) -> dict[str, Any]:
    params = {"country": "PA", "lang": "*"}
    if since:
        params["since"] = since
    body: dict[str, Any] = {}
    for _ in range(100):
        response = client.get("/v1/sync", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        for key in ("alerts",):
            body.setdefault(key, []).extend(page.get(key, []))
        body.setdefault("deleted", []).extend(page.get("deleted", {}).get("alerts", []))
        params["since"] = page["cursor"]
        if not page["more"]:
            break
    body["cursor"] = params["since"]
    return body


def test_alerts_ride_in_sync_and_bundles(client: TestClient, db: Session) -> None:
    org = make_organization(db)
    editor = make_staff(db, client.app.state.settings, role=Role.editor, organization=org)  # type: ignore[attr-defined]
    db.commit()
    first = _sync(client)
    assert first["alerts"] == [] or all(a["source"]["sample"] for a in first["alerts"])

    alert = create(client, editor.headers, area={"type": "Countries", "countries": ["PA"]})
    # A draft is not carried.
    delta = _sync(client, first["cursor"])
    assert alert["id"] not in [a["id"] for a in delta["alerts"]]
    published = publish(client, editor.headers, alert).json()
    delta = _sync(client, delta["cursor"])
    record = next(a for a in delta["alerts"] if a["id"] == alert["id"])
    assert record["expires"] == published["expires"].replace("+00:00", "Z")
    assert sorted(record["texts"]) == ["en", "es"]
    # A fresh snapshot and the signed bundle hold it; another country's do not.
    assert alert["id"] in [a["id"] for a in _sync(client)["alerts"]]
    bundle = client.get("/v1/bundles/PA").json()
    assert alert["id"] in [a["id"] for a in bundle["alerts"]]
    assert alert["id"] not in [
        a["id"] for a in client.get("/v1/bundles/CO").json().get("alerts", [])
    ]

    # Cancelled: a tombstone in the next delta.
    cancelled = client.post(
        f"/v1/alerts/{alert['id']}/cancel",
        headers={**editor.headers, "If-Match": published["etag"]},
    )
    assert cancelled.status_code == 200
    after_cancel = _sync(client, delta["cursor"])
    assert alert["id"] in after_cancel["deleted"]
    assert alert["id"] not in [
        a["id"] for a in client.get("/v1/bundles/PA").json().get("alerts", [])
    ]

    # Expired: no write at all, yet the next delta lists it as a tombstone.
    other = create(client, editor.headers, area={"type": "Countries", "countries": ["PA"]})
    publish(client, editor.headers, other)
    cursor = _sync(client, after_cancel["cursor"])["cursor"]
    db.execute(
        update(Alert)
        .where(Alert.public_id == other["id"])
        .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    )
    db.commit()
    assert other["id"] in _sync(client, cursor)["deleted"]
    assert other["id"] not in [a["id"] for a in _sync(client)["alerts"]]
