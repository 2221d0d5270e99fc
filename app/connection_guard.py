"""A slow or greedy client cannot exhaust ``rumbo serve``.

Uvicorn arms its keep-alive timer only once a response is sent, so a connection that
dribbles its request headers or body (slowloris) stays open as long as the client likes,
and ``limit_concurrency`` counts open connections: one client holding enough of them would
turn every other request into a 503. :class:`GuardedHttpToolsProtocol` is uvicorn's
httptools protocol with three rules added (``rumbo serve`` passes it by import string, so
every worker process builds its own from the settings):

- a request's headers must arrive within ``request_read_timeout`` seconds of the
  connection opening (or of the previous request's first byte);
- its body must keep coming: within ``request_read_timeout`` seconds plus one second per
  KiB received (large uploads on slow links still get through);
- one client address holds at most ``max_connections_per_client`` open connections; more
  are closed as soon as they open. Phones behind a carrier's NAT share an address, so the
  default leaves room for hundreds of them.

A connection breaking a rule is closed; the counts by address live in memory only while
connections are open and are never logged.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.settings import get_settings

__all__ = ["PROTOCOL", "GuardedHttpToolsProtocol"]

# What ``uvicorn.run(http=...)`` takes: an import string works in every worker process.
PROTOCOL = "app.connection_guard:GuardedHttpToolsProtocol"


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    read_timeout: ClassVar[float] = 0.0
    min_body_rate: ClassVar[float] = 1024.0
    max_per_client: ClassVar[int] = 0
    # Open connections per client address, in this process (one event loop).
    open_by_client: ClassVar[Counter[str]] = Counter()

    @classmethod
    def _configure(cls) -> None:
        settings = get_settings()
        cls.read_timeout = settings.request_read_timeout
        cls.max_per_client = settings.max_connections_per_client

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if not self.read_timeout:
            self._configure()
        super().connection_made(transport)
        self._guard_host: str | None = self.client[0] if self.client else None
        self._guard_timer: asyncio.TimerHandle | None = None
        self._guard_deadline = 0.0
        self._guard_body_started = 0.0
        self._guard_received = 0
        if self._guard_host is not None:
            self.open_by_client[self._guard_host] += 1
            if self.open_by_client[self._guard_host] > self.max_per_client:
                transport.close()
                return
        self._guard_expect(time.monotonic() + self.read_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._guard_cancel()
        host, self._guard_host = self._guard_host, None
        if host is not None:
            self.open_by_client[host] -= 1
            if self.open_by_client[host] <= 0:
                del self.open_by_client[host]
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._guard_received = 0
        self._guard_body_started = 0.0
        if self._guard_timer is None:
            self._guard_expect(time.monotonic() + self.read_timeout)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._guard_body_started = time.monotonic()
        self._guard_deadline = self._guard_body_started + self.read_timeout

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._guard_received += len(body)
        self._guard_deadline = (
            self._guard_body_started + self.read_timeout + self._guard_received / self.min_body_rate
        )

    def on_message_complete(self) -> None:
        self._guard_cancel()
        super().on_message_complete()

    def _guard_expect(self, deadline: float) -> None:
        self._guard_deadline = deadline
        self._guard_timer = self.loop.call_later(self.read_timeout, self._guard_check)

    def _guard_cancel(self) -> None:
        if self._guard_timer is not None:
            self._guard_timer.cancel()
            self._guard_timer = None

    def _guard_check(self) -> None:
        self._guard_timer = None
        remaining = self._guard_deadline - time.monotonic()
        if remaining > 0:
            self._guard_timer = self.loop.call_later(remaining, self._guard_check)
        elif not self.transport.is_closing():
            self.transport.close()
