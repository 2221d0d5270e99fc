"""Make and restore backups of a Rumbo database (and, when asked, its signing keys).

SQLite is copied with its online backup API, so the server may keep serving and writing
while a backup runs; PostgreSQL with ``pg_dump --format=custom`` (one consistent snapshot).
A restore checks the whole archive first (``archive.read_manifest``), then replaces the
target database in one step: SQLite through the backup API again (readers see the old
database or the new one, never a mix), PostgreSQL with ``pg_restore --single-transaction``.
A target that already holds a Rumbo schema is refused unless ``force`` is given.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from app.backups.archive import (
    DATABASE_MEMBER,
    BackupError,
    Manifest,
    add_bytes,
    read_manifest,
    sha256_file,
)
from app.db import make_engine, normalise_url

__all__ = ["BackupError", "BackupResult", "create_backup", "restore_backup"]

# pg_dump / pg_restore get this long before they are stopped (the archive is then not written).
PG_TOOL_TIMEOUT_S = 3600
SQLITE_PAGES_PER_STEP = 4096  # the online backup copies in steps, letting writers in between


@dataclass(frozen=True)
class BackupResult:
    path: Path
    engine: str
    size_bytes: int
    includes_keys: bool


def _engine_name(url: str) -> str:
    backend = make_url(normalise_url(url)).get_backend_name()
    if backend == "sqlite":
        return "sqlite"
    if backend == "postgresql":
        return "postgresql"
    raise BackupError(f"backups support SQLite and PostgreSQL, not {backend}")


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password (which goes in the environment, not in ``ps``)."""
    parsed = make_url(normalise_url(url))
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str]) -> None:
    tool = shutil.which(args[0])
    if tool is None:
        raise BackupError(f"{args[0]} is not installed (PostgreSQL client tools are needed)")
    try:
        done = subprocess.run(  # noqa: S603
            [tool, *args[1:]],
            env=env,
            capture_output=True,
            timeout=PG_TOOL_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BackupError(f"{args[0]} did not finish within {PG_TOOL_TIMEOUT_S} s") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise BackupError(f"{args[0]} failed: {' '.join(message[-3:])}")


def _schema_heads(url: str) -> list[str]:
    from app import schema

    engine = make_engine(url)
    try:
        return sorted(schema.current_heads(engine))
    finally:
        engine.dispose()


def _rumbo_version() -> str:
    try:
        return version("rumbo")
    except PackageNotFoundError:  # running from a checkout that is not installed
        return "unknown"


def _dump_sqlite(url: str, target: Path) -> None:
    source_path = _sqlite_path(url)
    if not source_path.exists():
        raise BackupError(f"no SQLite database at {source_path}")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy, pages=SQLITE_PAGES_PER_STEP)
        # The copy stands alone: no WAL file beside it in the archive.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        source.close()


def _dump_postgres(url: str, target: Path) -> None:
    libpq, env = _libpq(url)
    _run(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "-f", str(target), libpq],
        env,
    )


def _key_files(keys_dir: Path) -> list[Path]:
    if not keys_dir.is_dir():
        raise BackupError(f"no signing keys directory at {keys_dir}")
    return sorted(p for p in keys_dir.iterdir() if p.is_file())


def create_backup(url: str, path: Path, *, keys_dir: Path | None = None) -> BackupResult:
    """Write a backup archive of the database at ``url`` (and ``keys_dir``) to ``path``.

    The archive is written beside ``path`` and renamed into place when complete, so ``path``
    is either the whole new backup or untouched.
    """
    engine = _engine_name(url)
    heads = _schema_heads(url)
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rumbo-backup-", dir=path.parent) as work:
        dump = Path(work) / DATABASE_MEMBER[engine]
        if engine == "sqlite":
            _dump_sqlite(url, dump)
        else:
            _dump_postgres(url, dump)
        keys = _key_files(keys_dir) if keys_dir is not None else []
        manifest = Manifest(
            engine=engine,  # type: ignore[arg-type]
            schema_heads=heads,
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            rumbo_version=_rumbo_version(),
            includes_keys=keys_dir is not None,
        )
        manifest.members[dump.name] = sha256_file(dump)
        for key in keys:
            manifest.members[f"keys/{key.name}"] = sha256_file(key)
        partial = Path(work) / "backup.tar"
        with tarfile.open(partial, "w") as archive:
            add_bytes(archive, "manifest.json", manifest.to_bytes())
            archive.add(dump, arcname=dump.name)
            for key in keys:
                archive.add(key, arcname=f"keys/{key.name}")
        partial.chmod(0o600)  # it may hold private keys and staff password hashes
        os.replace(partial, path)
    return BackupResult(path, engine, path.stat().st_size, keys_dir is not None)


@contextmanager
def _opened(path: Path) -> Iterator[tuple[tarfile.TarFile, Manifest]]:
    try:
        archive = tarfile.open(path, "r:")  # noqa: SIM115  (closed by the with below)
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"cannot read {path}: {exc}") from None
    with archive:
        yield archive, read_manifest(archive)


def _holds_schema(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return bool(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _extract(archive: tarfile.TarFile, name: str, target: Path) -> None:
    handle = archive.extractfile(name)
    if handle is None:
        raise BackupError(f"member {name} is not a file")
    with target.open("wb") as out:
        shutil.copyfileobj(handle, out, 1 << 20)


def _restore_sqlite(url: str, dump: Path) -> None:
    copy = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        if copy.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise BackupError("the database in the backup fails SQLite's integrity check")
        target_path = _sqlite_path(url)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(target_path)
        try:
            copy.backup(target)
            target.execute("PRAGMA journal_mode=WAL")  # as Rumbo's engine opens it
        finally:
            target.close()
    finally:
        copy.close()


def _restore_postgres(url: str, dump: Path, *, replace: bool) -> None:
    if replace:
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        finally:
            engine.dispose()
    libpq, env = _libpq(url)
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "-d",
            libpq,
            str(dump),
        ],
        env,
    )


def _restore_keys(archive: tarfile.TarFile, manifest: Manifest, keys_dir: Path) -> None:
    names = [n for n in manifest.members if n.startswith("keys/")]
    keys_dir.mkdir(parents=True, exist_ok=True)
    keys_dir.chmod(0o700)
    for name in names:
        leaf = Path(name).name
        if not leaf or leaf != name.removeprefix("keys/"):
            raise BackupError(f"unsafe key member name {name!r}")
        target = keys_dir / leaf
        _extract(archive, name, target)
        target.chmod(0o600)


def restore_backup(
    url: str, path: Path, *, keys_dir: Path | None = None, force: bool = False
) -> Manifest:
    """Restore the archive at ``path`` into the database at ``url`` (and keys into
    ``keys_dir`` when given and the archive holds them). Returns the archive's manifest."""
    engine = _engine_name(url)
    with _opened(path) as (archive, manifest):
        if manifest.engine != engine:
            raise BackupError(
                f"this backup is of a {manifest.engine} database; the target is {engine}"
            )
        if keys_dir is not None and not manifest.includes_keys:
            raise BackupError("this backup holds no signing keys (made without --with-keys)")
        replace = _holds_schema(url)
        if replace and not force:
            raise BackupError("the target database is not empty; pass --force to replace it")
        with tempfile.TemporaryDirectory(prefix="rumbo-restore-") as work:
            dump = Path(work) / manifest.database_member
            _extract(archive, manifest.database_member, dump)
            if engine == "sqlite":
                _restore_sqlite(url, dump)
            else:
                _restore_postgres(url, dump, replace=replace)
        if keys_dir is not None:
            _restore_keys(archive, manifest, keys_dir)
    return manifest
