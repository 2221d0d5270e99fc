"""Area services offline: in the country's sync snapshot and bundle; a move to another
country and a deletion reach a synced client as tombstones."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.service_areas.helpers import create, editor


def _sync(client: TestClient, country: str, since: str | None = None) -> dict[str, Any]:
    params = {"country": country, "lang": "*"}
    if since:
        params["since"] = since
    body: dict[str, Any] = {"area_services": [], "deleted": []}
    for _ in range(100):
        response = client.get("/v1/sync", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        body["area_services"].extend(page.get("area_services", []))
        body["deleted"].extend(page.get("deleted", {}).get("area_services", []))
        params["since"] = page["cursor"]
        if not page["more"]:
            break
    body["cursor"] = params["since"]
    return body


def _ids(records: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in records]


def test_area_services_ride_in_sync_and_bundles(client: TestClient, db: Session) -> None:
    staff = editor(client, db)
    first_pa, first_cr = _sync(client, "PA"), _sync(client, "CR")
    draft = create(client, staff, status="draft")
    item = create(client, staff)
    delta = _sync(client, "PA", first_pa["cursor"])
    assert item["id"] in _ids(delta["area_services"]) and draft["id"] not in _ids(
        delta["area_services"]
    )
    record = next(r for r in delta["area_services"] if r["id"] == item["id"])
    assert sorted(record["texts"]) == ["en", "es"]
    assert record["contact"]["phones"] == ["+5073111111"] and "location" not in record
    assert item["id"] in _ids(_sync(client, "PA")["area_services"])
    assert item["id"] in _ids(client.get("/v1/bundles/PA").json()["area_services"])
    assert item["id"] not in _ids(client.get("/v1/bundles/CR").json().get("area_services", []))

    # Moved to Costa Rica: a tombstone for Panama's clients, a record for Costa Rica's.
    moved = client.patch(
        f"/v1/area-services/{item['id']}",
        json={"area": {"type": "Countries", "countries": ["CR"]}},
        headers={**staff.headers, "If-Match": item["etag"]},
    )
    assert moved.status_code == 200, moved.text
    assert item["id"] in _sync(client, "PA", delta["cursor"])["deleted"]
    cr = _sync(client, "CR", first_cr["cursor"])
    assert item["id"] in _ids(cr["area_services"])
    assert item["id"] in _ids(client.get("/v1/bundles/CR").json().get("area_services", []))

    # Deleted: a tombstone.
    gone = client.delete(
        f"/v1/area-services/{item['id']}",
        headers={**staff.headers, "If-Match": moved.json()["etag"]},
    )
    assert gone.status_code == 204
    assert item["id"] in _sync(client, "CR", cr["cursor"])["deleted"]
    assert item["id"] not in _ids(client.get("/v1/bundles/CR").json().get("area_services", []))
