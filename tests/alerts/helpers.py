"""Helpers of the alert tests: bodies, and a draft written through the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient

# A box around the Darién gap (Panama and Colombia), lon/lat.
DARIEN = [[-77.9, 7.2], [-77.0, 7.2], [-77.0, 8.7], [-77.9, 8.7], [-77.9, 7.2]]


def iso(delta: dt.timedelta) -> str:
    return (dt.datetime.now(dt.UTC) + delta).isoformat()


def alert_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": "weather_hazard",
        "severity": "Moderate",
        "urgency": "Immediate",
        "certainty": "Observed",
        "area": {"type": "Polygon", "coordinates": [DARIEN]},
        "expires": iso(dt.timedelta(days=2)),
        "source_url": "https://example.org/boletin/123",
        "original_language": "es",
        "translations": {
            "es": {
                "title": "Río crecido: no cruzar",
                "body": "El río Tuquesa está crecido.",
                "instructions": "Espere en el albergue.",
            },
            "en": {"title": "River in flood: do not cross"},
        },
    }
    body.update(overrides)
    return body


def create(
    client: TestClient, headers: dict[str, str], org: str | None = None, **overrides: Any
) -> dict[str, Any]:
    url = "/v1/alerts" + (f"?organization={org}" if org else "")
    response = client.post(url, json=alert_body(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert response.headers["ETag"] == body["etag"]
    return body


def publish(client: TestClient, headers: dict[str, str], alert: dict[str, Any]) -> Any:
    return client.post(
        f"/v1/alerts/{alert['id']}/publish", headers={**headers, "If-Match": alert["etag"]}
    )
