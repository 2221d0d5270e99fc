"""Prometheus ``/metrics``: off unless configured, behind its token, and exact counts of a
scripted set of requests, parsed with the Prometheus text parser. Labels carry route
templates, never paths, coordinates or text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from tests.feedback.helpers import accepted, client_at, moderator_of, published_point
from tests.imports.helpers import csv_bytes, editor, post_import, row

TOKEN = "metrics-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def metrics_on(client: TestClient) -> Iterator[TestClient]:
    app: Any = client.app
    saved = app.state.settings
    app.state.settings = saved.model_copy(update={"metrics_token": TOKEN})
    try:
        yield client
    finally:
        app.state.settings = saved


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_off_unless_a_token_is_configured(client: TestClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_the_token_is_required(metrics_on: TestClient) -> None:
    assert metrics_on.get("/metrics").status_code == 401
    wrong = metrics_on.get("/metrics", headers={"Authorization": "Bearer nope-nope-nope-nope"})
    assert wrong.status_code == 401
    assert metrics_on.get("/metrics", headers=AUTH).status_code == 200
    assert "/metrics" not in metrics_on.get("/openapi.json").json()["paths"]


def test_scripted_requests_are_counted_exactly(metrics_on: TestClient, engine_kind: str) -> None:
    client = metrics_on
    engine = "sqlite" if engine_kind == "sqlite" else "postgresql"
    before = scrape(client)

    for lat in ("8.4265", "8.43", "9.0"):
        assert client.get("/v1/points", params={"near": f"{lat},-76.7848"}).status_code == 200
    for box in ("-80,7,-76,10", "-93,7,-76,16"):
        assert client.get("/v1/points", params={"bbox": box}).status_code == 200
    first = client.get("/v1/points", params={"q": "albergue"})
    assert first.status_code == 200
    point_id = first.json()["items"][0]["id"]
    assert client.get(f"/v1/points/{point_id}").status_code == 200
    for path in ("/no/such/place", f"/v1/points/{point_id}/nothing/-76.78"):
        assert client.get(path).status_code == 404
    assert client.get("/v1/points", params={"near": "999,0"}).status_code == 422

    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "rumbo_http_requests_total"
    assert delta(requests, route="/v1/points", method="GET", status="200") == 6
    assert delta(requests, route="/v1/points", method="GET", status="422") == 1
    assert delta(requests, route="/v1/points/{point_id}", method="GET", status="200") == 1
    assert delta(requests, route="<unmatched>", method="GET", status="404") == 2
    latency = "rumbo_http_request_duration_seconds_count"
    assert delta(latency, route="/v1/points", method="GET") == 7
    searches = "rumbo_search_duration_seconds_count"
    assert delta(searches, mode="near", engine=engine) == 3
    assert delta(searches, mode="bbox", engine=engine) == 2
    assert delta(searches, mode="text", engine=engine) == 1
    assert value(after, "rumbo_db_connections_in_use", pool="primary") >= 0

    # Nothing in the exposition says where anyone was or what they typed.
    text = client.get("/metrics", headers=AUTH).text
    for secret in ("8.4265", "-76.78", "albergue", point_id, "no/such"):
        assert secret not in text


def test_feedback_decisions_and_import_rows(app: Any, metrics_on: TestClient, db: Session) -> None:
    client = metrics_on
    before = scrape(client)
    point = published_point(db)
    moderator = moderator_of(client, db, point.organization)
    receipts = [
        accepted(
            client_at(app).post(
                f"/v1/points/{point.public_id}/feedback", json={"rating": 4, "lang": "es"}
            )
        )["receipt"]
        for _ in range(3)
    ]
    for receipt, decision in zip(receipts, ("approve", "approve", "reject"), strict=True):
        body: dict[str, str] = {"decision": decision}
        if decision == "reject":
            body["reason"] = "not about this place"
        answer = client.post(
            f"/v1/moderation/feedback/{receipt}/decision", json=body, headers=moderator.headers
        )
        assert answer.status_code == 200, answer.text

    headers, org = editor(client, db)
    good = post_import(
        client, headers, csv_bytes([row(i) for i in range(4)]), organization=org.slug
    )
    assert good.status_code == 200, good.text
    assert good.json()["created"] == 4
    dry = post_import(
        client,
        headers,
        csv_bytes([row(i) for i in range(10, 12)]),
        organization=org.slug,
        dry_run=True,
    )
    assert dry.status_code == 200, dry.text
    bad_rows = [row(20), row(21, lat="not a number")]
    bad = post_import(client, headers, csv_bytes(bad_rows), organization=org.slug)
    assert bad.status_code == 422, bad.text

    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("rumbo_feedback_decisions_total", decision="approve") == 2
    assert delta("rumbo_feedback_decisions_total", decision="reject") == 1
    assert delta("rumbo_import_rows_total", outcome="created") == 4
    assert delta("rumbo_import_rows_total", outcome="rejected") == 2


@pytest.mark.slow
def test_workers_share_one_view(fresh_app: Any, tmp_path: Any) -> None:
    """``rumbo serve --workers 2``: a scrape of either the token route or the metrics port
    counts every worker's requests, exactly."""
    import httpx

    from bench.server import Server, free_port

    _, url = fresh_app()
    port = free_port()
    env = {"RUMBO_METRICS_TOKEN": TOKEN, "RUMBO_METRICS_PORT": str(port)}
    with Server(url, log_path=tmp_path / "serve.log", workers=2, extra_env=env) as server:
        for _ in range(40):
            # A new connection each time, so the kernel spreads them over both workers.
            with httpx.Client(base_url=server.base_url, timeout=10) as fresh:
                answer = fresh.get("/healthz")
                assert answer.status_code == 200
        for _ in range(2):
            with httpx.Client(base_url=server.base_url, timeout=10) as fresh:
                text = fresh.get("/metrics", headers=AUTH).text
                samples = {
                    (s.name, tuple(sorted(s.labels.items()))): s.value
                    for family in text_string_to_metric_families(text)
                    for s in family.samples
                }
                healthz = value(
                    samples,
                    "rumbo_http_requests_total",
                    route="/healthz",
                    method="GET",
                    status="200",
                )
                assert healthz == 40
        from_port = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        assert (
            'rumbo_http_requests_total{method="GET",route="/healthz",status="200"} 40.0'
            in from_port
        )
