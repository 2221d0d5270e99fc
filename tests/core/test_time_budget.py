"""Every request has a time budget, enforced in the database (app/budget.py).

Past it a request is answered 503 problem+json with Retry-After, logged like any answer,
and its worker thread and connection are free for the next request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from app import budget
from app.db import normalise_url
from app.public_points.service import read_slots

# A query that never ends on either engine, unless something stops it.
ENDLESS = text(
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
)
SEARCH = {"bbox": "-93,7,-76,16", "limit": 25}


def assert_over_budget(response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) >= 1
    body = response.json()
    assert body["status"] == 503
    assert body["type"].endswith("time-budget-exceeded")
    assert "budget" in body["detail"]


def test_a_running_statement_is_stopped_at_the_deadline(
    fresh_app: Callable[..., tuple[FastAPI, str]],
) -> None:
    """SQLite's progress handler / PostgreSQL's statement_timeout end a statement that
    would run for ever; the connection then serves the next statement."""
    app, _ = fresh_app(request_budget_s=0.5)
    engine = app.state.database.engine
    with engine.connect() as conn:
        with budget.within_budget(0.5), pytest.raises(OperationalError) as stopped:
            conn.execute(ENDLESS).scalar_one()
        assert budget.is_budget_error(stopped.value)
        conn.rollback()
        with budget.within_budget(0.5):
            assert conn.execute(text("SELECT 1")).scalar_one() == 1


def test_a_search_over_its_budget_answers_503_and_frees_its_thread(
    fresh_app: Callable[..., tuple[FastAPI, str]], caplog: pytest.LogCaptureFixture
) -> None:
    # A budget no search can meet: every statement of the request comes after its deadline.
    app, _ = fresh_app(seed=True, request_budget_s=1e-6)
    # The app configured logging afresh (root handlers replaced): listen to the access log.
    access = logging.getLogger("rumbo.access")
    caplog.set_level(logging.INFO, logger="rumbo.access")
    access.addHandler(caplog.handler)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            # More requests than there are search threads: none is left holding one.
            for _ in range(3 * read_slots(app.state.database)):
                assert_over_budget(client.get("/v1/points", params=SEARCH))
            assert client.get("/healthz").status_code == 200
    finally:
        access.removeHandler(caplog.handler)
    logged = [r.getMessage() for r in caplog.records if r.name == "rumbo.access"]
    assert any(line.startswith("GET /v1/points?bbox=") and " 503 " in line for line in logged)


def test_a_search_blocked_in_the_database_is_cancelled(
    engine_kind: str, fresh_app: Callable[..., tuple[FastAPI, str]]
) -> None:
    """A search waiting on a lock is cancelled by statement_timeout at its budget; once
    the lock is gone the next search answers."""
    if engine_kind != "postgres":
        pytest.skip("PostgreSQL: readers never wait for a lock on SQLite (WAL)")
    app, url = fresh_app(seed=True, request_budget_s=1.0)
    blocker = create_engine(normalise_url(url))
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            assert client.get("/v1/points", params=SEARCH).status_code == 200
            with blocker.connect() as conn:
                conn.execute(text("LOCK TABLE service_point IN ACCESS EXCLUSIVE MODE"))
                assert_over_budget(client.get("/v1/points", params=SEARCH))
                conn.rollback()
            assert client.get("/v1/points", params=SEARCH).status_code == 200
    finally:
        blocker.dispose()


def test_budgets_by_kind_of_request() -> None:
    plan = budget.BudgetPlan(default_s=5, export_s=300, sync_s=60, import_s=900)
    assert plan.for_request("GET", "/v1/points") == 5
    assert plan.for_request("GET", "/v1/exports/csv") == 300
    assert plan.for_request("GET", "/v1/sync") == 60
    assert plan.for_request("GET", "/v1/bundles/CO") == 60
    assert plan.for_request("POST", "/v1/imports") == 900
    assert plan.for_request("POST", "/console/imports") == 900
    assert plan.for_request("GET", "/console/imports") == 5
