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
- a request's line and headers together hold at most ``max_header_bytes``: more is answered
  431 and the connection closed, counted as the bytes arrive (httptools buffers a header
  until it is complete and ignores uvicorn's incomplete-event limit, so one 60 MB header
  would otherwise be held in memory);
- one client holds at most ``max_connections_per_client`` open connections, and never more
  than its fair share while others are connected: half of ``max_open_connections`` split
  evenly between the clients connected now (at least ``MIN_PER_CLIENT``); and all clients
  together hold at most half of ``max_open_connections`` beyond their first
  ``MIN_PER_CLIENT`` each, so a few greedy addresses cannot fill the server that uvicorn's
  ``limit_concurrency`` bounds, in whatever order they arrive. More are closed as soon as
  they open. A client is an IPv4 address or an IPv6 /64
  (``app.client_address.network_of``: a /64 is one subscriber). Phones behind a carrier's
  NAT share an address, so the default leaves room for hundreds of them.

A trusted reverse proxy (``RUMBO_FORWARDED_ALLOW_IPS``) is one peer for every client behind
it: its connections are not capped by address (the proxy enforces its own timeouts and
limits, see docs/deployment.md); the cap then applies to the requests in progress of each
forwarded client, keyed like every rate limit (``app.client_address``), and a client over it
is answered 503.

A connection breaking a rule is closed; the counts by client live in memory only while
connections are open and are never logged.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import ClassVar

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.client_address import client_of, network_of, trusted_proxies
from app.settings import get_settings

__all__ = ["PROTOCOL", "GuardedHttpToolsProtocol"]

# What ``uvicorn.run(http=...)`` takes: an import string works in every worker process.
PROTOCOL = "app.connection_guard:GuardedHttpToolsProtocol"

# The fair share never falls below this: phones behind one carrier NAT share an address.
MIN_PER_CLIENT = 16


class HeadersTooLarge(Exception):
    """The request line and headers outgrew ``max_header_bytes`` (answered 431)."""


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    read_timeout: ClassVar[float] = 0.0
    min_body_rate: ClassVar[float] = 1024.0
    max_per_client: ClassVar[int] = 0
    capacity: ClassVar[int] = 1000
    max_header_bytes: ClassVar[int] = 16_384
    proxies: ClassVar[str] = ""
    # Open connections (or, behind a trusted proxy, requests in progress) per client, in
    # this process (one event loop).
    open_by_client: ClassVar[Counter[str]] = Counter()
    # Connections held beyond MIN_PER_CLIENT, all clients together: at most half the
    # capacity, so however the greedy arrive, the other half stays for everyone else.
    excess: ClassVar[int] = 0

    @classmethod
    def _configure(cls) -> None:
        settings = get_settings()
        cls.read_timeout = settings.request_read_timeout
        cls.max_per_client = settings.max_connections_per_client
        cls.capacity = settings.max_open_connections
        cls.max_header_bytes = settings.max_header_bytes
        cls.proxies = settings.forwarded_allow_ips

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if not self.read_timeout:
            self._configure()
        super().connection_made(transport)
        peer = self.client[0] if self.client else None
        self._guard_via_proxy = trusted_proxies(self.proxies).trusts(peer)
        self._guard_host: str | None = (
            network_of(peer) if peer is not None and not self._guard_via_proxy else None
        )
        self._guard_request_client: str | None = None
        self._guard_timer: asyncio.TimerHandle | None = None
        self._guard_deadline = 0.0
        self._guard_body_started = 0.0
        self._guard_received = 0
        self._guard_in_headers = True
        self._guard_header_bytes = 0
        self._guard_oversized = False
        if self._guard_host is not None and not self._guard_admit(self._guard_host):
            transport.close()
            return
        self._guard_expect(time.monotonic() + self.read_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._guard_cancel()
        host, self._guard_host = self._guard_host, None
        self._guard_release(host)
        self._guard_release_request()
        super().connection_lost(exc)

    @classmethod
    def cap(cls) -> int:
        """What one client may hold now: its fair share of half the capacity among the
        clients connected (each counted once), within [MIN_PER_CLIENT, max_per_client]."""
        fair = cls.capacity // (2 * max(1, len(cls.open_by_client)))
        return min(cls.max_per_client, max(MIN_PER_CLIENT, fair))

    def _guard_admit(self, client: str) -> bool:
        """Count one more connection (or request) of ``client``; False when it is over its
        share (the caller closes it, and the release that follows undoes the count)."""
        held = self.open_by_client[client] = self.open_by_client[client] + 1
        if held <= MIN_PER_CLIENT:
            return True
        cls = type(self)
        cls.excess += 1
        return held <= self.cap() and cls.excess <= self.capacity // 2

    def _guard_release(self, client: str | None) -> None:
        if client is not None:
            if self.open_by_client[client] > MIN_PER_CLIENT:
                type(self).excess -= 1
            self.open_by_client[client] -= 1
            if self.open_by_client[client] <= 0:
                del self.open_by_client[client]

    def _guard_release_request(self) -> None:
        client, self._guard_request_client = self._guard_request_client, None
        self._guard_release(client)

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return
        if self._guard_in_headers:
            self._guard_header_bytes += len(data)
        super().data_received(data)
        if (
            self._guard_in_headers
            and self._guard_header_bytes > self.max_header_bytes
            and not self.transport.is_closing()
        ):
            self._guard_oversized = True
            self.send_400_response("")

    def send_400_response(self, msg: str) -> None:
        if not self._guard_oversized:
            super().send_400_response(msg)
            return
        self._guard_refuse(
            431,
            "request-header-fields-too-large",
            "Request header fields too large",
            f"the request line and headers are limited to {self.max_header_bytes} bytes",
        )

    def _guard_refuse(
        self, status: int, slug: str, title: str, detail: str, extra: bytes = b""
    ) -> None:
        body = orjson.dumps(
            {"type": f"/problems/{slug}", "title": title, "status": status, "detail": detail}
        )
        self.transport.write(
            b"HTTP/1.1 %d %s\r\n" % (status, title.encode())
            + b"content-type: application/problem+json\r\ncache-control: no-store\r\n"
            + extra
            + b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body)
            + body
        )
        self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._guard_received = 0
        self._guard_body_started = 0.0
        if self._guard_timer is None:
            self._guard_expect(time.monotonic() + self.read_timeout)

    def on_headers_complete(self) -> None:
        self._guard_in_headers = False
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > self.max_header_bytes:
            # Raised inside the parser's callback: uvicorn stops parsing and calls
            # send_400_response, answered 431 above. No request reaches the application.
            self._guard_oversized = True
            raise HeadersTooLarge
        if self._guard_via_proxy:
            forwarded = [v.decode("latin-1") for n, v in self.headers if n == b"x-forwarded-for"]
            client = client_of(self.client[0] if self.client else None, forwarded, self.proxies)
            self._guard_release_request()  # a pipelined request replaces the one before
            self._guard_request_client = client
            if not self._guard_admit(client):
                self._guard_refuse(
                    503,
                    "service-unavailable",
                    "Service Unavailable",
                    "too many requests in progress from this client",
                    b"retry-after: 5\r\n",
                )
                return
        super().on_headers_complete()
        self._guard_body_started = time.monotonic()
        self._guard_deadline = self._guard_body_started + self.read_timeout

    def on_body(self, body: bytes) -> None:
        if self.transport.is_closing():
            return  # refused: the rest of what was read is dropped
        super().on_body(body)
        self._guard_received += len(body)
        self._guard_deadline = (
            self._guard_body_started + self.read_timeout + self._guard_received / self.min_body_rate
        )

    def on_message_complete(self) -> None:
        self._guard_cancel()
        self._guard_in_headers = True
        self._guard_header_bytes = 0
        if self.transport.is_closing():
            return
        super().on_message_complete()

    def on_response_complete(self) -> None:
        self._guard_release_request()
        super().on_response_complete()

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
