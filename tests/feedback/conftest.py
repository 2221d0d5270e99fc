"""Fixtures of the feedback tests.

The session-wide ``app`` keeps one rate limiter; every test here gets a fresh in-memory one
so that limits counted by one test never leak into the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from limits.storage import MemoryStorage

from app.ratelimit import RateLimiter


@pytest.fixture(autouse=True)
def fresh_limiter(request: pytest.FixtureRequest) -> Iterator[None]:
    if "app" not in request.fixturenames:
        yield
        return
    app: FastAPI = request.getfixturevalue("app")
    missing = object()
    saved: Any = getattr(app.state, "rate_limiter", missing)
    app.state.rate_limiter = RateLimiter(MemoryStorage())
    try:
        yield
    finally:
        if saved is missing:
            del app.state.rate_limiter
        else:
            app.state.rate_limiter = saved
