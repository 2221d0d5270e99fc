"""``rumbo backup`` / ``rumbo restore``: a round trip into a fresh database keeps every
table's every row, on both engines; damaged archives and occupied targets are refused."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from app.backups.service import BackupError, create_backup, restore_backup
from app.cli import cli
from app.db import make_engine
from tests.conftest import POSTGRES_URL, create_postgres_database, drop_postgres_database


def table_contents(url: str) -> dict[str, list[tuple[str, ...]]]:
    """Every table's rows, as sorted lists of their values' reprs (order-free)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = sorted(inspect(conn).get_table_names())
            out: dict[str, list[tuple[str, ...]]] = {}
            for name in names:
                rows = conn.execute(text(f'SELECT * FROM "{name}"')).fetchall()
                out[name] = sorted(tuple(repr(v) for v in row) for row in rows)
            return out
    finally:
        engine.dispose()


@pytest.fixture
def fresh_url(engine_kind: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same engine as the session's."""
    if engine_kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    assert POSTGRES_URL
    url = create_postgres_database(POSTGRES_URL)
    try:
        yield url
    finally:
        drop_postgres_database(POSTGRES_URL, url)


def test_round_trip_keeps_every_table(database_url: str, fresh_url: str, tmp_path: Path) -> None:
    archive = tmp_path / "rumbo.tar"
    result = create_backup(database_url, archive)
    assert result.path == archive.resolve()
    assert archive.stat().st_mode & 0o077 == 0  # staff password hashes are inside

    manifest = restore_backup(fresh_url, archive)

    original = table_contents(database_url)
    restored = table_contents(fresh_url)
    assert set(restored) == set(original)
    assert original["service_point"], "the seeded database has points to compare"
    for name, rows in original.items():
        assert restored[name] == rows, f"table {name} differs after restore"
    assert manifest.schema_heads
    assert manifest.includes_keys is False


def test_restore_refuses_a_database_with_data_unless_forced(
    database_url: str, fresh_url: str, tmp_path: Path
) -> None:
    archive = tmp_path / "rumbo.tar"
    create_backup(database_url, archive)
    restore_backup(fresh_url, archive)
    engine = make_engine(fresh_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM feedback"))
        conn.execute(text("UPDATE service_point SET version = version + 1"))
    engine.dispose()

    with pytest.raises(BackupError, match="not empty"):
        restore_backup(fresh_url, archive)
    restore_backup(fresh_url, archive, force=True)
    assert table_contents(fresh_url) == table_contents(database_url)


def test_damaged_or_foreign_archives_are_refused_whole(
    database_url: str, fresh_url: str, tmp_path: Path, engine_kind: str
) -> None:
    archive = tmp_path / "rumbo.tar"
    create_backup(database_url, archive)

    # One byte of the dump changed: the checksum in the manifest catches it.
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("database."):
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            dst.addfile(member, io.BytesIO(data))
    with pytest.raises(BackupError, match="damaged"):
        restore_backup(fresh_url, damaged)

    not_rumbo = tmp_path / "other.tar"
    with tarfile.open(not_rumbo, "w") as dst:
        info = tarfile.TarInfo("hello.txt")
        info.size = 2
        dst.addfile(info, io.BytesIO(b"hi"))
    with pytest.raises(BackupError, match="manifest"):
        restore_backup(fresh_url, not_rumbo)

    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(archive.read_bytes()[:2048])
    with pytest.raises(BackupError):
        restore_backup(fresh_url, truncated)
    # Nothing was restored by any of the refused archives.
    assert not inspect_tables(fresh_url)

    other_engine = (
        "postgresql://postgres@127.0.0.1:5432/none"
        if engine_kind == "sqlite"
        else f"sqlite:///{tmp_path / 'x.db'}"
    )
    with pytest.raises(BackupError, match="backup is of a"):
        restore_backup(other_engine, archive)


def inspect_tables(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [t for t in inspect(conn).get_table_names() if t != "spatial_ref_sys"]
    finally:
        engine.dispose()


def test_cli_round_trip_with_signing_keys(
    database_url: str, fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.settings import get_settings
    from app.signing import keyring

    keys = tmp_path / "keys"
    keyring.generate(keys)
    originals = {p.name: p.read_bytes() for p in keys.iterdir()}
    archive = tmp_path / "with-keys.tar"
    runner = CliRunner()

    def run(url: str, keys_dir: Path, *args: str) -> Any:
        monkeypatch.setenv("RUMBO_DATABASE_URL", url)
        monkeypatch.setenv("RUMBO_KEYS_DIR", str(keys_dir))
        get_settings.cache_clear()
        try:
            return runner.invoke(cli, list(args))
        finally:
            get_settings.cache_clear()

    made = run(database_url, keys, "backup", str(archive), "--with-keys")
    assert made.exit_code == 0, made.output
    assert "with signing keys" in made.output

    restored_keys = tmp_path / "restored-keys"
    done = run(fresh_url, restored_keys, "restore", str(archive), "--with-keys")
    assert done.exit_code == 0, done.output
    assert {p.name: p.read_bytes() for p in restored_keys.iterdir()} == originals
    assert all(p.stat().st_mode & 0o077 == 0 for p in restored_keys.iterdir())
    assert table_contents(fresh_url) == table_contents(database_url)

    again = run(fresh_url, restored_keys, "restore", str(archive))
    assert again.exit_code == 1
    assert "not empty" in again.output
