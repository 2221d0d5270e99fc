"""Abuse resistance: a burst from one client is refused with 429 + Retry-After while other
clients go on, on the in-memory store and on Redis (shared by several API processes)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from limits.storage import MemoryStorage, RedisStorage, Storage, storage_from_string
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.feedback.models import Feedback
from app.main import create_app
from app.ratelimit import RateLimiter, make_limiter
from tests.conftest import test_settings as settings_for
from tests.feedback.helpers import (
    client_at,
    new_address,
    prepare_database,
    problem,
    published_point,
)

# A database number and key prefix of their own, so parallel runs never share counters.
REDIS_URL = "redis://127.0.0.1:6379/11"
PER_CLIENT = 10  # settings.feedback_limit_per_client = "10/hour;30/day"
PER_CLIENT_POINT = 3  # settings.feedback_limit_per_client_point = "3/day"


def _redis_storage() -> RedisStorage:
    storage = storage_from_string(REDIS_URL, key_prefix=f"rumbo-test-{uuid.uuid4().hex}")
    assert isinstance(storage, RedisStorage)
    if not storage.check():
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    return storage


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[Storage]:
    storage: Storage = MemoryStorage() if request.param == "memory" else _redis_storage()
    yield storage
    storage.reset()


@pytest.fixture
def limited_app(app: FastAPI, store: Storage) -> FastAPI:
    app.state.rate_limiter = RateLimiter(store)  # restored by the autouse fresh_limiter
    return app


def _idea(client: TestClient, n: int):
    return client.post("/v1/feedback", json={"tags": ["suggestion"], "comment": f"idea {n}"})


def test_burst_from_one_client_is_limited_and_others_are_not(
    limited_app: FastAPI, client: TestClient, db: Session
):
    flooder = client_at(limited_app)
    codes = [_idea(flooder, n).status_code for n in range(PER_CLIENT + 5)]
    assert codes == [202] * PER_CLIENT + [429] * 5
    refused = _idea(flooder, 99)
    body = problem(refused, 429)
    assert body["type"] == "/problems/too-many-requests"
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    # Refused submissions were not stored.
    stored = db.scalar(
        select(func.count()).select_from(Feedback).where(Feedback.comment.like("idea %"))
    )
    assert stored == PER_CLIENT
    # Other travellers (other addresses) are not blocked.
    for _ in range(3):
        assert _idea(client_at(limited_app), 1).status_code == 202


def test_one_client_on_one_point(limited_app: FastAPI, client: TestClient, db: Session):
    point = published_point(db)
    url = f"/v1/points/{point.public_id}/feedback"
    traveller = client_at(limited_app)
    codes = [
        traveller.post(url, json={"rating": 1 + n % 5, "comment": f"n{n}"}).status_code
        for n in range(PER_CLIENT_POINT + 2)
    ]
    assert codes == [202] * PER_CLIENT_POINT + [429, 429]
    # The same traveller may still report another point; others may report this one.
    other = published_point(db)
    assert (
        traveller.post(f"/v1/points/{other.public_id}/feedback", json={"rating": 4}).status_code
        == 202
    )
    assert client_at(limited_app).post(url, json={"rating": 4}).status_code == 202


def test_limits_are_per_address_not_per_port(limited_app: FastAPI, client: TestClient):
    address = new_address()
    for n in range(PER_CLIENT):
        assert _idea(TestClient(limited_app, client=(address, 1000 + n)), n).status_code == 202
    assert _idea(TestClient(limited_app, client=(address, 5000)), 0).status_code == 429


def test_ipv6_clients_are_limited_by_their_64(limited_app: FastAPI, client: TestClient):
    prefix = new_address().rsplit("::", 1)[0]
    for n in range(PER_CLIENT):
        assert _idea(client_at(limited_app, f"{prefix}::{n + 1:x}"), n).status_code == 202
    assert _idea(client_at(limited_app, f"{prefix}::ffff"), 0).status_code == 429


def test_per_point_limit_holds_against_many_addresses(fresh_app, store: Storage):
    app, _ = fresh_app(feedback_limit_per_point="4/minute")
    app.state.rate_limiter = RateLimiter(store)
    point_id = _point_in(app)
    codes = [
        client_at(app).post(f"/v1/points/{point_id}/feedback", json={"rating": 3}).status_code
        for _ in range(6)
    ]
    assert codes == [202] * 4 + [429] * 2


def test_redis_store_is_shared_by_several_processes(fresh_app):
    storage = _redis_storage()
    try:
        first, url = fresh_app()
        _point_in(first)
        second = create_app(settings_for(url))
        for instance in (first, second):
            instance.state.rate_limiter = RateLimiter(storage)
        address = new_address()
        clients = [client_at(first, address), client_at(second, address)]
        codes = [_idea(clients[n % 2], n).status_code for n in range(PER_CLIENT + 2)]
        assert codes == [202] * PER_CLIENT + [429, 429]
        second.state.database.dispose()
    finally:
        storage.reset()


def test_redis_url_setting_selects_redis():
    limiter = make_limiter(settings_for("sqlite://", redis_url=REDIS_URL))
    assert isinstance(limiter.storage, RedisStorage)


def test_unreachable_store_refuses_with_503_and_stores_nothing(
    app: FastAPI, client: TestClient, db: Session
):
    app.state.rate_limiter = RateLimiter(storage_from_string("redis://127.0.0.1:1/0"))
    point = published_point(db)
    response = client.post(f"/v1/points/{point.public_id}/feedback", json={"rating": 2})
    problem(response, 503)
    assert int(response.headers["Retry-After"]) > 0
    assert (
        db.scalar(select(func.count()).select_from(Feedback).where(Feedback.point_id == point.id))
        == 0
    )


def _point_in(app: FastAPI) -> str:
    return prepare_database(app).point_id
