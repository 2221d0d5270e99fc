"""The real server under test: ``rumbo serve`` in a subprocess, production settings, one
worker (or several), on a free loopback port. Its resident memory is read from ``/proc``."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import httpx

__all__ = ["Server", "free_port"]

ROOT = Path(__file__).resolve().parent.parent
RUMBO = ROOT / ".venv" / "bin" / "rumbo"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``with Server(url) as server: ... server.base_url ...``"""

    def __init__(
        self,
        database_url: str,
        *,
        log_path: Path,
        environment: str = "production",
        extra_env: dict[str, str] | None = None,
        port: int | None = None,
        workers: int = 1,
    ) -> None:
        self.database_url = database_url
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.workers = workers
        self.env = {
            **os.environ,
            "RUMBO_ENVIRONMENT": environment,
            "RUMBO_SECRET_KEY": secrets.token_urlsafe(32),
            "RUMBO_DATABASE_URL": database_url,
            "RUMBO_HOST": "127.0.0.1",
            "PORT": str(self.port),
            "RUMBO_LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90.0) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(RUMBO), "serve", "--workers", str(self.workers)],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"rumbo serve exited with {self.process.returncode}; see {self.log_path}"
                )
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"rumbo serve not ready after {timeout}s; see {self.log_path}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def rss_bytes(self) -> int:
        """Resident memory of the server process (0 once it has exited)."""
        return self.memory().get("VmRSS", 0)

    def memory(self) -> dict[str, int]:
        """Resident memory in bytes: ``VmRSS`` in all, ``RssAnon`` the process's own (heap,
        page caches of connections), ``RssFile`` file pages mapped from the page cache
        (SQLite's memory map of the database: shared, and the kernel may drop them)."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return {}
        out: dict[str, int] = {}
        for line in status.splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
        return out

    def memory_mib(self) -> dict[str, float]:
        """:meth:`memory` in MiB, keyed ``rss``, ``own`` (RssAnon) and ``mapped`` (RssFile)."""
        memory = self.memory()
        names = {"VmRSS": "rss", "RssAnon": "own", "RssFile": "mapped"}
        return {name: round(memory.get(key, 0) / 2**20, 1) for key, name in names.items()}

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs (the fault tests' crash)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
