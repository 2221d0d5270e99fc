"""Abuse resistance for anonymous submissions, on the application's shared rate limiter.

The limiter (``app.ratelimit``) keeps its counts in process memory, or in Redis when
``RUMBO_REDIS_URL`` is set so that every API process behind a load balancer shares them.
Every key below starts with the daily client key (``privacy.client_key``), never an address.

- per client, per client and point, per point: 429 with ``Retry-After`` beyond the limits
  in settings (``feedback_limit_*``);
- ``first_today``: only a client's first submission of the day on one target is counted
  in ratings, tag counts and closure signals (later ones are kept, not counted);
- ``duplicate_of`` / ``remember``: the same content from the same client on the same target
  within a day collapses into the first submission (the same receipt is returned).

When the store cannot be reached, submissions are refused with 503 and ``Retry-After``
(the app keeps the feedback and retries) rather than accepted without limits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from app.errors import ServiceUnavailable, TooManyRequests
from app.i18n.texts import Text
from app.ratelimit import Decision, RateLimiter
from app.settings import Settings

__all__ = ["FeedbackThrottle", "split_limits"]

DAY_SECONDS = 86_400
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Check:
    limit: str
    key: tuple[str, ...]


def split_limits(notation: str) -> list[str]:
    """``"10/hour;30/day"`` -> ``["10/hour", "30/day"]``."""
    return [part.strip() for part in notation.replace(",", ";").split(";") if part.strip()]


class FeedbackThrottle:
    """Rate limits and duplicate detection for one application (see the module docstring)."""

    def __init__(self, limiter: RateLimiter, settings: Settings) -> None:
        self.limiter = limiter
        self.per_client = split_limits(settings.feedback_limit_per_client)
        self.per_client_point = split_limits(settings.feedback_limit_per_client_point)
        self.per_point = split_limits(settings.feedback_limit_per_point)

    def _store(self, call: Callable[..., T], *args: str) -> T:
        try:
            return call(*args)
        except self.limiter.storage.base_exceptions:
            raise ServiceUnavailable(Text("feedback.unavailable")) from None

    def _checks(self, *, client: str, target: str, on_point: bool) -> list[_Check]:
        checks = [_Check(limit, ("feedback:client", client)) for limit in self.per_client]
        if on_point:
            checks += [
                _Check(limit, ("feedback:client-target", client, target))
                for limit in self.per_client_point
            ]
            checks += [_Check(limit, ("feedback:target", target)) for limit in self.per_point]
        return checks

    def admit(self, *, client: str, target: str, on_point: bool) -> None:
        """Count one submission, or raise 429 (nothing counted) when a limit is reached."""
        checks = self._checks(client=client, target=target, on_point=on_point)
        for check in checks:
            self._refuse_unless(self._store(self.limiter.check, check.limit, *check.key))
        for check in checks:
            self._refuse_unless(self._store(self.limiter.hit, check.limit, *check.key))

    @staticmethod
    def _refuse_unless(decision: Decision) -> None:
        if not decision.allowed:
            raise TooManyRequests(
                Text("feedback.too_many"),
                retry_after=decision.retry_after,
            )

    def first_today(self, *, client: str, target: str) -> bool:
        """True for the client's first submission on ``target`` in the last day."""
        decision = self._store(
            lambda: self.limiter.hit("1/day", "feedback:counted", client, target)
        )
        return decision.allowed

    def _duplicate_key(self, client: str, target: str, digest: str) -> str:
        material = f"{client}|{target}|{digest}".encode()
        return f"{self.limiter.namespace}/feedback-dup/{hashlib.sha256(material).hexdigest()}"

    def duplicate_of(self, *, client: str, target: str, digest: str) -> int | None:
        """The id of an earlier identical submission by this client today, if any."""
        key = self._duplicate_key(client, target, digest)
        value = self._store(self.limiter.storage.get, key)
        return int(value) or None

    def remember(self, *, client: str, target: str, digest: str, feedback_id: int) -> None:
        key = self._duplicate_key(client, target, digest)

        def store() -> None:
            self.limiter.storage.clear(key)
            self.limiter.storage.incr(key, DAY_SECONDS, amount=feedback_id)

        self._store(store)

    def forget(self, *, client: str, target: str, digest: str) -> None:
        key = self._duplicate_key(client, target, digest)
        self._store(self.limiter.storage.clear, key)
