"""Bulk public reads are limited per client: 429 problem+json with Retry-After."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.accounts.helpers import make_staff
from tests.factories import make_organization

KINDS = {
    "export": ("export_limit_per_client", "/v1/exports/csv", {}),
    "sync": ("sync_limit_per_client", "/v1/sync", {"country": "CO"}),
    "bundle": ("bundle_limit_per_client", "/v1/bundles/CO", {}),
    "hsds services": ("hsds_list_limit_per_client", "/hsds/services", {}),
    "hsds service_at_locations": (
        "hsds_list_limit_per_client",
        "/hsds/service_at_locations",
        {"full": "true"},
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_past_the_limit_a_client_waits(fresh_app, kind):
    setting, url, params = KINDS[kind]
    app, _ = fresh_app(**{setting: "2/hour"})
    with TestClient(app, raise_server_exceptions=False) as client:
        for _ in range(2):
            assert client.get(url, params=params).status_code != 429
        refused = client.get(url, params=params)
        assert refused.status_code == 429, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert 0 < int(refused.headers["Retry-After"]) <= 3600
        assert refused.json()["status"] == 429
        # Another client (another address) is not held back.
    with TestClient(app, raise_server_exceptions=False, client=("203.0.113.9", 50000)) as other:
        assert other.get(url, params=params).status_code != 429


def test_staff_exports_are_not_counted(fresh_app):
    app, _ = fresh_app(export_limit_per_client="1/hour")
    database = app.state.database
    with database.sessionmaker() as session:
        org = make_organization(session)
        staff = make_staff(session, app.state.settings, organization=org)
        session.commit()
    with TestClient(app, raise_server_exceptions=False) as client:
        for _ in range(3):
            response = client.get(
                "/v1/exports/csv", params={"include_drafts": "true"}, headers=staff.headers
            )
            assert response.status_code == 200, response.text
        assert client.get("/v1/exports/csv").status_code == 200
        assert client.get("/v1/exports/csv").status_code == 429
