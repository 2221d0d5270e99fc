"""What the hot path does with an error: a problem or an unexpected fault hands the request
to the route (counted), a database that cannot answer is answered once (503), not twice."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from app.budget import BudgetExceeded
from app.documents import search
from app.metrics import HOT_PATH_HANDOVERS

NEAR = (
    "/v1/points?near=8.4265,-76.7848&radius=50000&limit=5&at=2026-03-09T16:30:00Z"  # fixed open_now
)


def _count(reason: str) -> float:
    return HOT_PATH_HANDOVERS.labels(reason)._value.get()


def test_an_unexpected_error_is_counted_and_the_route_answers(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = client.get(NEAR)
    assert expected.status_code == 200 and expected.json()["items"]
    calls: list[int] = []

    def broken(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise RuntimeError("a bug in the hot path")

    monkeypatch.setattr(search, "search_page", broken)
    before = _count("error")
    answered = client.get(NEAR)
    assert calls, "the hot path ran"
    assert answered.status_code == 200
    assert answered.content == expected.content
    assert _count("error") == before + 1


def test_a_database_that_cannot_answer_is_not_asked_twice(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get(NEAR).status_code == 200  # the language list cached: the hot path runs
    calls: list[int] = []

    def down(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(search, "search_page", down)
    before = (_count("error"), _count("problem"))
    answered = client.get(NEAR)
    assert answered.status_code == 503
    assert answered.headers["content-type"].startswith("application/problem+json")
    assert calls == [1]
    assert (_count("error"), _count("problem")) == before


def test_a_bad_cursor_is_worded_by_the_route(client: TestClient) -> None:
    assert client.get(NEAR).status_code == 200
    before = _count("problem") + _count("error")
    answered = client.get(NEAR + "&cursor=not-a-cursor")
    assert answered.status_code in (400, 422)
    assert answered.headers["content-type"].startswith("application/problem+json")
    assert _count("error") + _count("problem") >= before


def test_a_request_over_its_budget_is_answered_once(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get(NEAR).status_code == 200
    calls: list[int] = []

    def slow(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise BudgetExceeded(2.0)

    monkeypatch.setattr(search, "search_page", slow)
    answered = client.get(NEAR)
    assert answered.status_code == 503
    assert answered.json()["type"].endswith("time-budget-exceeded")
    assert "Retry-After" in answered.headers
    assert calls == [1]
