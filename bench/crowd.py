"""Issue #16 item 2, measured: a crowd of slow clients holds connections while another
client's ``GET /healthz`` latency is measured (target: under 1 s, none failed).

``rumbo serve`` runs with its production defaults (read deadline, connections per client)
and a trusted proxy on 127.0.0.1 (``RUMBO_FORWARDED_ALLOW_IPS``), then two crowds:

- ``ipv4``: ``addresses`` loopback addresses (127.0.0.2, 127.0.0.3, ...) with
  ``per_address`` connections each, every one a request whose headers are dribbled a line
  a second and never finished;
- ``ipv6_64``: as many requests through the proxy, forwarded for as many addresses of one
  IPv6 /64, whose bodies never finish. The loopback has ``::1`` alone and the server
  listens on 127.0.0.1, so a crowd of real IPv6 peers cannot be made here: the /64 comes
  through ``X-Forwarded-For``, the way it reaches Rumbo behind the reverse proxy.

The crowd re-opens any connection the server closed (at most once a second each), as an
attacker would, so the pressure holds for the whole measurement. The client measured
(127.0.0.1) opens a new connection for every probe, ten a second.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.server import Server

__all__ = ["Crowd", "probe_while", "slow_crowd"]

TARGET_S = 1.0
PROBE_EVERY_S = 0.1
TICK_S = 1.0


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Slot:
    """One connection the crowd keeps open: where it comes from and what it sends."""

    bind: str
    opening: bytes
    dribble: bytes
    sock: socket.socket | None = None
    opened_at: float = 0.0


@dataclass
class Crowd:
    port: int
    slots: list[Slot]
    opened: int = 0
    closed_by_server: int = 0
    answered: dict[str, int] = field(default_factory=dict)
    held: list[int] = field(default_factory=list)

    def _open(self, slot: Slot) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(1)
        try:
            sock.bind((slot.bind, 0))
            sock.connect(("127.0.0.1", self.port))
            sock.sendall(slot.opening)
        except OSError:
            sock.close()
            return
        sock.setblocking(False)
        slot.sock, slot.opened_at = sock, time.monotonic()
        self.opened += 1

    def _check(self, slot: Slot) -> None:
        """Close the slot's connection when the server answered or closed it."""
        assert slot.sock is not None
        try:
            data = slot.sock.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            status = data.split(b" ", 2)[1].decode(errors="replace") if b" " in data else "?"
            self.answered[status] = self.answered.get(status, 0) + 1
        else:
            self.closed_by_server += 1
        slot.sock.close()
        slot.sock = None

    def tick(self) -> None:
        """Dribble a little on every open connection, re-open those the server closed."""
        now = time.monotonic()
        for slot in self.slots:
            if slot.sock is not None:
                self._check(slot)
            if slot.sock is None:
                self._open(slot)
            elif now - slot.opened_at >= TICK_S / 2:
                with contextlib.suppress(OSError):
                    slot.sock.send(slot.dribble)
        self.held.append(sum(s.sock is not None for s in self.slots))

    def close(self) -> None:
        for slot in self.slots:
            if slot.sock is not None:
                slot.sock.close()
                slot.sock = None


def _healthz(port: int) -> int:
    """The status of ``GET /healthz`` on a new connection (a bare socket: the probe's own
    cost stays out of the latency); 0 when the server closed without answering."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: rumbo\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    parts = reply.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def probe_while(port: int, seconds: float, work: Any = None) -> dict[str, Any]:
    """Probe ``/healthz`` (a new connection each time) for ``seconds`` while ``work()``
    is called once a tick in this thread; latencies and failures."""
    stop = threading.Event()
    latencies: list[float] = []
    failures: dict[str, int] = {}

    def prober() -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                status = _healthz(port)
                kind = "" if status == 200 else str(status)
            except OSError as exc:
                kind = type(exc).__name__
            latencies.append(time.monotonic() - started)
            if kind:
                failures[kind] = failures.get(kind, 0) + 1
            stop.wait(PROBE_EVERY_S)

    thread = threading.Thread(target=prober, daemon=True)
    thread.start()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        if work is not None:
            work()
        time.sleep(max(0.0, TICK_S - (time.monotonic() - started)))
    stop.set()
    thread.join(15)
    return {
        "probes": len(latencies),
        "failed": sum(failures.values()),
        "failures": failures,
        "p50_ms": _ms(_pct(latencies, 0.50)),
        "p99_ms": _ms(_pct(latencies, 0.99)),
        "max_ms": _ms(max(latencies) if latencies else None),
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def _ipv4_slots(addresses: int, per_address: int) -> list[Slot]:
    opening = b"GET /v1/points?limit=20 HTTP/1.1\r\nHost: rumbo\r\n"
    return [
        Slot(f"127.0.0.{2 + a}", opening, b"X-Slow: 1\r\n")
        for a in range(addresses)
        for _ in range(per_address)
    ]


def _ipv6_slots(count: int) -> list[Slot]:
    return [
        Slot(
            "127.0.0.1",
            b"POST /v1/feedback HTTP/1.1\r\nHost: rumbo\r\nContent-Type: application/json\r\n"
            b"Content-Length: 4000\r\nX-Forwarded-For: 2001:db8:5:6::%x\r\n\r\n{" % (n + 1),
            b" ",
        )
        for n in range(count)
    ]


def slow_crowd(
    database_url: str,
    *,
    log_path: Path,
    env: dict[str, str],
    seconds: int = 20,
    addresses: int = 5,
    per_address: int = 200,
    baseline_seconds: int = 3,
) -> dict[str, Any]:
    """The section's figures: /healthz alone, then beside each crowd."""
    env = {**env, "RUMBO_FORWARDED_ALLOW_IPS": "127.0.0.1"}
    out: dict[str, Any] = {
        "addresses": addresses,
        "per_address": per_address,
        "seconds": seconds,
        "target_ms": TARGET_S * 1000,
    }
    with Server(database_url, log_path=log_path, extra_env=env) as server:
        out["quiet"] = probe_while(server.port, baseline_seconds)
        crowds = {
            "ipv4": _ipv4_slots(addresses, per_address),
            "ipv6_64": _ipv6_slots(addresses * per_address),
        }
        for name, slots in crowds.items():
            crowd = Crowd(server.port, slots)
            crowd.tick()  # everyone connects first
            try:
                found = probe_while(server.port, seconds, crowd.tick)
            finally:
                crowd.close()
            held = sorted(crowd.held)
            out[name] = {
                **found,
                "connections": len(slots),
                "held_median": held[len(held) // 2] if held else 0,
                "opened": crowd.opened,
                "closed_by_server": crowd.closed_by_server,
                "answered": crowd.answered,
            }
            time.sleep(1)
    return out
