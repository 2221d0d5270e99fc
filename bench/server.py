"""The real server under test: ``rumbo serve`` in a subprocess, production settings, one
worker (or several), on a free loopback port. Its resident memory and the CPU time of its
processes (workers included) are read from ``/proc``. ``command`` serves something else
the same way (the minimal endpoints of ``bench/minimal_*.py``)."""

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

__all__ = ["Server", "free_port", "tree_cpu_seconds"]

ROOT = Path(__file__).resolve().parent.parent
RUMBO = ROOT / ".venv" / "bin" / "rumbo"
_TICKS = os.sysconf("SC_CLK_TCK")


def _children() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        out.setdefault(parent, []).append(int(entry.name))
    return out


def _cpu(pid: int) -> float:
    """User + system CPU seconds of one process (its own threads; 0 once gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command: state is field 3, utime 14 and stime 15 (1-based, man 5 proc).
    return (int(fields[11]) + int(fields[12])) / _TICKS


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by ``pid`` and every live process below it."""
    children = _children()
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += _cpu(current)
        todo.extend(children.get(current, ()))
    return total


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
        command: list[str] | None = None,
    ) -> None:
        self.database_url = database_url
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.workers = workers
        self.command = command or [str(RUMBO), "serve", "--workers", str(workers)]
        self.ready_path = "/readyz" if command is None else "/healthz"
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
            self.command,
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
                ready = httpx.get(f"{self.base_url}{self.ready_path}", timeout=2)
                if ready.status_code == 200:
                    self.wait_quiet(deadline)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"rumbo serve not ready after {timeout}s; see {self.log_path}")

    def wait_quiet(self, deadline: float, *, step_s: float = 0.5, busy: float = 0.05) -> bool:
        """Wait (until ``deadline``) for the server to go quiet: what it does of its own
        after start-up (the map's grid index, built in a thread of its own: tens of seconds
        at a million points from a cold page cache) must not share the measured seconds.
        Quiet: two steps in a row using under ``busy`` of a core; returns whether it did."""
        quiet, last = 0, self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(step_s)
            now = self.cpu_seconds()
            quiet = quiet + 1 if now - last < busy * step_s else 0
            last = now
            if quiet >= 2:
                return True
        return False

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def cpu_seconds(self) -> float:
        """CPU seconds used so far by the server's processes (workers included)."""
        return tree_cpu_seconds(self.pid)

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
