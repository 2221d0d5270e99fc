"""A real PostgreSQL streaming replica of the local cluster (read-replica tests, benchmark).

``pg_basebackup`` copies the primary (over loopback, as the ``postgres`` user) into a
temporary directory, and a second server runs on it as a hot standby on a free port. The
primary must allow loopback replication connections (``.ci/run`` adds the ``pg_hba.conf``
line). Every wait is bounded; :meth:`StreamingReplica.stop` always stops the server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.db import normalise_url
from bench.server import free_port

__all__ = ["ReplicaUnavailable", "StreamingReplica"]

START_TIMEOUT_S = 120
CATCH_UP_TIMEOUT_S = 60
MATCHED_SETTINGS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


class ReplicaUnavailable(RuntimeError):
    """This machine cannot run a replica (no server binaries, not root, no replication)."""


def _as_postgres(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(
        [*runner, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


class StreamingReplica:
    def __init__(self, primary_url: str, workdir: Path) -> None:
        self.primary = make_url(normalise_url(primary_url))
        self.workdir = workdir
        self.data = workdir / "data"
        self.port = free_port()
        self.bindir: Path | None = None
        self.matched: dict[str, str] = {}

    def _bindir(self) -> Path:
        engine = create_engine(self.primary.render_as_string(hide_password=False))
        try:
            with engine.connect() as conn:
                version = int(conn.execute(text("SHOW server_version_num")).scalar_one())
                # A hot standby needs these at least as high as on its primary.
                self.matched = {
                    name: str(conn.execute(text(f"SHOW {name}")).scalar_one())
                    for name in MATCHED_SETTINGS
                }
        finally:
            engine.dispose()
        bindir = Path(f"/usr/lib/postgresql/{version // 10000}/bin")
        if not (bindir / "pg_ctl").exists():
            raise ReplicaUnavailable(f"no PostgreSQL server binaries in {bindir}")
        return bindir

    def start(self) -> None:
        if os.geteuid() != 0 and os.environ.get("USER") != "postgres":
            raise ReplicaUnavailable("a replica is started as the postgres user (run as root)")
        self.bindir = self._bindir()
        self.workdir.mkdir(parents=True, exist_ok=True)
        shutil.chown(self.workdir, "postgres")
        backup = _as_postgres(
            [
                str(self.bindir / "pg_basebackup"),
                "-h", str(self.primary.host or "127.0.0.1"),
                "-p", str(self.primary.port or 5432),
                "-U", "postgres",
                "-D", str(self.data),
                "-R",  # standby.signal and primary_conninfo: a streaming standby
                "-X", "stream",
                "--checkpoint=fast",
            ],
            timeout=START_TIMEOUT_S,
        )  # fmt: skip
        if backup.returncode != 0:
            raise ReplicaUnavailable(f"pg_basebackup failed: {backup.stderr.strip()}")
        # Debian keeps the primary's configuration outside its data directory.
        (self.data / "postgresql.conf").write_text("")
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        )
        (self.data / "pg_ident.conf").write_text("")
        for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
            shutil.chown(self.data / name, "postgres")
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.workdir} -c hot_standby=on "
            "-c shared_buffers=32MB -c fsync=off "
            + " ".join(f"-c {name}={value}" for name, value in self.matched.items())
        )
        started = _as_postgres(
            [
                str(self.bindir / "pg_ctl"),
                "-D", str(self.data),
                "-o", options,
                "-l", str(self.workdir / "replica.log"),
                "-w", "-t", str(START_TIMEOUT_S),
                "start",
            ],
            timeout=START_TIMEOUT_S + 10,
        )  # fmt: skip
        if started.returncode != 0:
            log = (self.workdir / "replica.log").read_text(errors="replace")[-2000:]
            raise ReplicaUnavailable(f"the replica did not start: {started.stderr} {log}")

    def url(self, database: str) -> str:
        return self.primary.set(
            host="127.0.0.1", port=self.port, database=database
        ).render_as_string(hide_password=False)

    def _replica_sql(self, database: str, sql: str) -> object:
        engine = create_engine(normalise_url(self.url(database)), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql)).scalar()
        finally:
            engine.dispose()

    def pause(self, database: str) -> None:
        """Stop replaying the primary's changes (they keep arriving, unapplied)."""
        self._replica_sql(database, "SELECT pg_wal_replay_pause()")

    def resume(self, database: str) -> None:
        self._replica_sql(database, "SELECT pg_wal_replay_resume()")

    def catch_up(self, primary_url: str, database: str) -> None:
        """Wait (bounded) until the replica has replayed everything the primary has written."""
        engine = create_engine(normalise_url(primary_url))
        try:
            with engine.connect() as conn:
                target = str(conn.execute(text("SELECT pg_current_wal_lsn()")).scalar_one())
        finally:
            engine.dispose()
        deadline = time.monotonic() + CATCH_UP_TIMEOUT_S
        while time.monotonic() < deadline:
            behind = self._replica_sql(
                database, f"SELECT pg_wal_lsn_diff('{target}', pg_last_wal_replay_lsn()) > 0"
            )
            if behind is False:
                return
            time.sleep(0.1)
        raise TimeoutError(f"the replica did not reach {target} in {CATCH_UP_TIMEOUT_S}s")

    def stop(self) -> None:
        if self.bindir is not None and self.data.exists():
            _as_postgres(
                [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                timeout=60,
            )
        shutil.rmtree(self.workdir, ignore_errors=True)
