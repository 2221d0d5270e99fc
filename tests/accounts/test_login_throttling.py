"""Login throttling that an attacker cannot turn into a lock-out of the real user.

Failures lock out one (account, client) pair after a few tries; the account as a whole only
slows down, for clients that have never logged in to it, after many more. The real user's
own client keeps working while someone elsewhere hammers the account. Same on the
in-memory store and on Redis (shared by several API processes).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from limits.storage import MemoryStorage, RedisStorage, Storage, storage_from_string
from sqlalchemy.orm import Session

from app.ratelimit import RateLimiter
from tests.accounts.helpers import TEST_PASSWORD, make_user

REDIS_URL = "redis://127.0.0.1:6379/11"
PAIR_LIMIT = 5  # settings.login_failures_per_account_client (default "5/15 minutes")
ACCOUNT_LIMIT = 12  # settings.login_failures_per_account (default "30/15 minutes"), lowered
WRONG = "not-the-password-at-all"


@pytest.fixture(params=["memory", "redis"])
def limited_app(app: FastAPI, request: pytest.FixtureRequest) -> Iterator[FastAPI]:
    storage: Storage
    if request.param == "memory":
        storage = MemoryStorage()
    else:
        redis = storage_from_string(REDIS_URL, key_prefix=f"rumbo-test-{uuid.uuid4().hex}")
        assert isinstance(redis, RedisStorage)
        if not redis.check():
            pytest.skip("Redis is not reachable at 127.0.0.1:6379")
        storage = redis
    saved = getattr(app.state, "rate_limiter", None), app.state.settings
    app.state.rate_limiter = RateLimiter(storage)
    # Each attempt verifies an Argon2 hash: a lower account threshold keeps the test short.
    app.state.settings = app.state.settings.model_copy(
        update={
            "login_failures_per_account_client": f"{PAIR_LIMIT}/15 minutes",
            "login_failures_per_account": f"{ACCOUNT_LIMIT}/15 minutes",
        }
    )
    try:
        yield app
    finally:
        storage.reset()
        app.state.rate_limiter, app.state.settings = saved


_n = iter(range(1, 1 << 30))


def at(app: FastAPI, address: str | None = None) -> TestClient:
    """A client whose requests come from ``address`` (a new one when omitted)."""
    return TestClient(app, client=(address or f"198.51.100.{next(_n) % 250 + 1}", 40000))


def attempt(client: TestClient, email: str, password: str) -> int:
    response = client.post("/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code in (200, 401, 429), response.text
    if response.status_code == 429:
        assert int(response.headers["retry-after"]) > 0
    return response.status_code


def test_failures_from_one_client_lock_out_only_that_client(
    limited_app: FastAPI, client: TestClient, db: Session
) -> None:
    user = make_user(db)
    attacker, victim = at(limited_app, "203.0.113.9"), at(limited_app, "192.0.2.10")
    for _ in range(PAIR_LIMIT):
        assert attempt(attacker, user.email, WRONG) == 401
    # Even the right password waits now, from the attacker's client.
    assert attempt(attacker, user.email, TEST_PASSWORD) == 429
    # The real user, elsewhere, logs in (even for the first time from there).
    assert attempt(victim, user.email, TEST_PASSWORD) == 200


def test_a_crowd_of_clients_slows_the_account_down_but_not_its_real_user(
    limited_app: FastAPI, client: TestClient, db: Session
) -> None:
    user = make_user(db)
    home = at(limited_app, "192.0.2.77")
    assert attempt(home, user.email, TEST_PASSWORD) == 200  # the real user, before the attack
    # Failures from many addresses, each staying under the per-client lock-out.
    statuses = [attempt(at(limited_app), user.email, WRONG) for _ in range(ACCOUNT_LIMIT + 10)]
    assert statuses[:ACCOUNT_LIMIT] == [401] * ACCOUNT_LIMIT
    # Past the account's threshold, clients new to the account are refused even with the
    # right password: guessing slows to a stop...
    assert set(statuses[ACCOUNT_LIMIT:]) == {429}
    assert attempt(at(limited_app), user.email, TEST_PASSWORD) == 429
    # ...while the client the real user logged in from before still works.
    assert attempt(home, user.email, TEST_PASSWORD) == 200
    # A wrong password of the real user there counts against that pair only.
    assert attempt(home, user.email, WRONG) == 401
    assert attempt(home, user.email, TEST_PASSWORD) == 200


def test_other_accounts_are_not_affected(
    limited_app: FastAPI, client: TestClient, db: Session
) -> None:
    user, other = make_user(db), make_user(db)
    crowd = [at(limited_app) for _ in range(ACCOUNT_LIMIT + 1)]
    for each in crowd:
        attempt(each, user.email, WRONG)
    assert attempt(crowd[-1], other.email, TEST_PASSWORD) == 200
