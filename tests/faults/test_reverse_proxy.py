"""The production setup: Debian's Caddy (deploy/Caddyfile) in front of ``rumbo serve``,
both on loopback ports.

Through the proxy: a spoofed ``X-Forwarded-For`` is replaced by Caddy, so each traveller
keeps a limit of their own (Rumbo trusts the proxy, keyed on the forwarded address); bodies
and headers over the limits are refused at the edge; and a crowd of slow clients held by the
proxy does not slow down anyone else. CI installs caddy (.ci/run); elsewhere the test is
skipped, with a message, when caddy is not installed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.signing import keyring
from bench.server import ROOT, Server, free_port

pytestmark = pytest.mark.slow

CADDYFILE = ROOT / "deploy" / "Caddyfile"
READ_HEADER_TIMEOUT = 2
PER_CLIENT = 10  # settings.feedback_limit_per_client = "10/hour;30/day"
CROWD = "127.0.0.2"


def _caddy() -> str:
    found = shutil.which("caddy")
    if found:
        return found
    if os.environ.get("RUMBO_REQUIRE_CADDY"):
        pytest.fail("caddy is required here (RUMBO_REQUIRE_CADDY) but not installed")
    pytest.skip("caddy not installed (apt-get install caddy); CI installs it in .ci/run")


class Caddy:
    def __init__(self, executable: str, upstream_port: int, workdir: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(workdir),
            "XDG_DATA_HOME": str(workdir / "data"),
            "XDG_CONFIG_HOME": str(workdir / "config"),
            "RUMBO_SITE": self.base_url,
            "RUMBO_UPSTREAM": f"127.0.0.1:{upstream_port}",
            "RUMBO_PROXY_READ_HEADER_TIMEOUT": f"{READ_HEADER_TIMEOUT}s",
        }
        self.log = (workdir / "caddy.log").open("ab")
        self.process = subprocess.Popen(
            [executable, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
            cwd=workdir,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"caddy exited; see {workdir / 'caddy.log'}"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        self.stop()
        pytest.fail("caddy did not come up within 30 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()


@pytest.fixture
def proxied(
    engine_kind: str, fresh_app: Callable[..., tuple[FastAPI, str]], tmp_path: Path
) -> Iterator[Caddy]:
    if engine_kind != "sqlite":
        pytest.skip("the proxy in front does not depend on the database engine")
    executable = _caddy()
    _, url = fresh_app(seed=True)
    keyring.generate(tmp_path / "keys")
    env = {"RUMBO_KEYS_DIR": str(tmp_path / "keys"), "RUMBO_FORWARDED_ALLOW_IPS": "127.0.0.1"}
    with Server(url, log_path=tmp_path / "server.log", extra_env=env) as server:
        caddy = Caddy(executable, server.port, tmp_path)
        try:
            yield caddy
        finally:
            caddy.stop()


def _from(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=10)


def _idea(client: httpx.Client, caddy: Caddy, n: int, spoof: str) -> int:
    response = client.post(
        f"{caddy.base_url}/v1/feedback",
        json={"tags": ["suggestion"], "comment": f"idea {n}"},
        headers={"X-Forwarded-For": spoof},
    )
    return response.status_code


def test_client_address_reaches_rumbo_and_spoofing_does_not(proxied: Caddy) -> None:
    with _from("127.0.0.3") as spoofer, _from("127.0.0.4") as other:
        # A new made-up address per request: Caddy replaces it with the real one.
        codes = [_idea(spoofer, proxied, n, f"198.51.100.{n}") for n in range(PER_CLIENT + 1)]
        assert codes[:PER_CLIENT] == [202] * PER_CLIENT and codes[-1] == 429, codes
        # Another traveller, through the same proxy, has a limit of their own.
        assert _idea(other, proxied, 0, "198.51.100.1") == 202


def test_size_limits_at_the_edge(proxied: Caddy) -> None:
    big_body = httpx.post(
        f"{proxied.base_url}/v1/feedback",
        content=b'{"comment": "' + b"a" * (2 << 20) + b'"}',
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert big_body.status_code == 413
    big_header = httpx.get(
        f"{proxied.base_url}/healthz", headers={"X-Big": "b" * 32768}, timeout=10
    )
    assert big_header.status_code == 431


def test_slow_crowd_held_by_the_proxy_does_not_slow_others(proxied: Caddy) -> None:
    sockets: list[socket.socket] = []
    try:
        for _ in range(300):
            sock = socket.socket()
            sock.settimeout(2)
            sock.bind((CROWD, 0))
            try:
                sock.connect(("127.0.0.1", proxied.port))
                sock.sendall(b"GET /v1/points HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            except OSError:
                sock.close()
                continue
            sockets.append(sock)
        waits = []
        for i in range(2 * READ_HEADER_TIMEOUT):
            for sock in sockets:
                with contextlib.suppress(OSError):
                    sock.sendall(b"X-Slow-%d: 1\r\n" % i)
            started = time.monotonic()
            assert httpx.get(f"{proxied.base_url}/healthz", timeout=5).status_code == 200
            waits.append(time.monotonic() - started)
            time.sleep(0.5)
        print(f"/healthz through caddy, 300 slow clients: max {max(waits):.3f} s")
        assert max(waits) < 1.0, waits
        # Caddy's read_header timeout cut the slow clients off.
        time.sleep(READ_HEADER_TIMEOUT)
        alive = 0
        for sock in sockets:
            sock.setblocking(False)
            try:
                sock.recv(4096)  # an answer (408) or the end of the connection
            except BlockingIOError:
                alive += 1  # nothing yet: still held open
            except OSError:
                pass  # reset
        assert alive == 0
    finally:
        for sock in sockets:
            sock.close()
