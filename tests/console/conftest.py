"""Fixtures of the console tests: a browser-like HTTP client and a fresh rate limiter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from limits.storage import MemoryStorage

from app.ratelimit import RateLimiter
from tests.console.helpers import console_client


@pytest.fixture
def console(app: FastAPI, connection: object) -> Iterator[TestClient]:
    """A client of the console over https, isolated by the rolled-back transaction."""
    missing = object()
    saved: Any = getattr(app.state, "rate_limiter", missing)
    app.state.rate_limiter = RateLimiter(MemoryStorage())
    try:
        with console_client(app) as client:
            yield client
    finally:
        if saved is missing:
            del app.state.rate_limiter
        else:
            app.state.rate_limiter = saved
