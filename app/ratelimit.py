"""One rate limiter per application, shared by every domain that throttles something.

Built on the ``limits`` library with a moving window: in-process memory by default, Redis
when ``settings.redis_url`` is set (so several workers share the counts).

Stable API (used by app.accounts for login throttling and by feedback):

- ``limiter_for(app) -> RateLimiter``: the app's limiter, made by ``create_app`` and kept on
  ``app.state.rate_limiter``.
- ``RateLimiterDep``: the same, as a FastAPI dependency.
- ``RateLimiter.hit(limit, *key) -> Decision``: count one event; ``Decision.allowed`` is False
  once the limit is exceeded. ``limit`` is ``limits`` notation, e.g. ``"5/15 minutes"``.
- ``RateLimiter.check(limit, *key) -> Decision``: would one more event be allowed (no count).
- ``RateLimiter.enforce(limit, *key, detail=...)``: ``hit``, raising ``TooManyRequests`` (429,
  with ``Retry-After``) when the limit is exceeded.
- ``RateLimiter.reset(limit, *key)``: forget the events counted under ``key``.
- ``RateLimiter.remember(seconds, *key)`` / ``remembers(seconds, *key)``: mark ``key`` as
  seen, and ask whether it was seen in the last ``seconds`` (e.g. a client that logged in).

Key parts are hashed before they reach the storage, so e-mail addresses or client addresses
never sit in Redis in clear.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from app.errors import TooManyRequests
from app.settings import Settings

__all__ = ["Decision", "RateLimiter", "RateLimiterDep", "limiter_for", "make_limiter"]


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after: int


@lru_cache(maxsize=256)
def _parse(limit: str) -> RateLimitItem:
    return parse(limit)


def _key(parts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(hashlib.sha256(p.encode()).hexdigest()[:32] for p in parts)


class RateLimiter:
    """Counts events per key in a moving window (see the module docstring)."""

    def __init__(self, storage: Storage, *, namespace: str = "rumbo") -> None:
        self.storage = storage
        self.namespace = namespace
        self._strategy = MovingWindowRateLimiter(storage)

    def _decision(self, item: RateLimitItem, keys: tuple[str, ...], allowed: bool) -> Decision:
        stats = self._strategy.get_window_stats(item, self.namespace, *keys)
        retry = 0 if allowed else max(1, math.ceil(stats.reset_time - time.time()))
        return Decision(allowed=allowed, remaining=stats.remaining, retry_after=retry)

    def hit(self, limit: str, *key: str) -> Decision:
        """Count one event under ``key``; not allowed once ``limit`` is exceeded."""
        item, keys = _parse(limit), _key(key)
        return self._decision(item, keys, self._strategy.hit(item, self.namespace, *keys))

    def check(self, limit: str, *key: str) -> Decision:
        """Whether one more event under ``key`` would be allowed, without counting it."""
        item, keys = _parse(limit), _key(key)
        return self._decision(item, keys, self._strategy.test(item, self.namespace, *keys))

    def enforce(self, limit: str, *key: str, detail: str = "Too many requests") -> None:
        """Count one event and raise 429 (with Retry-After) when over ``limit``."""
        decision = self.hit(limit, *key)
        if not decision.allowed:
            raise TooManyRequests(detail, retry_after=decision.retry_after)

    def reset(self, limit: str, *key: str) -> None:
        self._strategy.clear(_parse(limit), self.namespace, *_key(key))

    def remember(self, seconds: int, *key: str) -> None:
        """Mark ``key`` as seen now (for ``seconds``)."""
        item, keys = _parse(f"1/{seconds} seconds"), _key(key)
        self._strategy.clear(item, self.namespace, *keys)
        self._strategy.hit(item, self.namespace, *keys)

    def remembers(self, seconds: int, *key: str) -> bool:
        """True when ``key`` was marked with ``remember`` in the last ``seconds``."""
        item, keys = _parse(f"1/{seconds} seconds"), _key(key)
        return not self._strategy.test(item, self.namespace, *keys)


def make_limiter(settings: Settings) -> RateLimiter:
    """A limiter on Redis when ``settings.redis_url`` is set, else in process memory."""
    storage = storage_from_string(settings.redis_url or "memory://")
    assert isinstance(storage, Storage)  # a synchronous storage (not limits.aio)
    return RateLimiter(storage)


def limiter_for(app: FastAPI) -> RateLimiter:
    """The application's limiter (made by ``create_app``: :func:`make_limiter`)."""
    limiter: RateLimiter = app.state.rate_limiter
    return limiter


def _limiter(request: Request) -> RateLimiter:
    return limiter_for(request.app)


RateLimiterDep = Annotated[RateLimiter, Depends(_limiter)]
