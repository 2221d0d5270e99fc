"""``rumbo serve`` asked to stop (SIGTERM) with a request in flight is gone within 10 s.

Uvicorn waits for requests in flight before it stops; without a bound, one slow request (a
client dribbling its body, a search that never ended) kept the server up for as long as it
lasted, and only a second signal stopped it. Now it waits at most
``RUMBO_SHUTDOWN_GRACE_S`` (8 s), and the request budgets bound what runs in its threads.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

from app.signing import keyring
from bench.server import Server

pytestmark = pytest.mark.slow

# The bound under test, and slack for a loaded machine to tear the process down.
SHUTDOWN_BOUND_S = 10.0
MARGIN_S = 5.0


def test_stops_within_ten_seconds_with_a_request_in_flight(
    fresh_app: Callable[..., tuple[FastAPI, str]], tmp_path: Path
) -> None:
    _, url = fresh_app(seed=True)
    keys = tmp_path / "keys"
    keyring.generate(keys)
    # The slow-client guard would close the dribbling connection after its own timeout:
    # far beyond the bound here, so only the shutdown's bound can end the request.
    env = {"RUMBO_KEYS_DIR": str(keys), "RUMBO_REQUEST_READ_TIMEOUT": "300"}
    server = Server(url, log_path=tmp_path / "server.log", extra_env=env)
    server.start()
    done = threading.Event()
    client = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    try:
        client.sendall(
            b"POST /v1/feedback HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
        )

        def dribble() -> None:
            # A byte every 0.2 s: the request stays in flight until the server closes it.
            while not done.wait(0.2):
                try:
                    client.sendall(b" ")
                except OSError:
                    return

        threading.Thread(target=dribble, daemon=True).start()
        done.wait(1.0)  # the request is being read by the app
        assert server.process is not None and server.process.poll() is None
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(SHUTDOWN_BOUND_S + MARGIN_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"rumbo serve still running {SHUTDOWN_BOUND_S + MARGIN_S}s after SIGTERM")
        # uvicorn re-raises the signal once it has shut down cleanly.
        assert server.process.returncode in (0, -signal.SIGTERM)
        assert "timeout graceful shutdown exceeded" in (tmp_path / "server.log").read_text()
    finally:
        done.set()
        client.close()
        server.stop()
