"""Fixtures of the network-facing hardening tests: settings changed for one test, and a
fresh in-memory rate limiter per test (limits counted by one test never leak into the next)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from limits.storage import MemoryStorage

from app.ratelimit import RateLimiter


@pytest.fixture
def configure(app: FastAPI) -> Iterator[Callable[..., FastAPI]]:
    """``configure(forwarded_allow_ips=...)``: the session app with those settings, restored
    after the test."""
    saved_settings = app.state.settings
    missing = object()
    saved_limiter: Any = getattr(app.state, "rate_limiter", missing)
    app.state.rate_limiter = RateLimiter(MemoryStorage())

    def apply(**overrides: object) -> FastAPI:
        app.state.settings = saved_settings.model_copy(update=overrides)
        return app

    try:
        yield apply
    finally:
        app.state.settings = saved_settings
        if saved_limiter is missing:
            del app.state.rate_limiter
        else:
            app.state.rate_limiter = saved_limiter
