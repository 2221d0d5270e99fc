"""SQLite: every write connection syncs each commit to disk (``synchronous=FULL``) unless
configured otherwise, so a power cut cannot lose an edit that was acknowledged."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from app.db import Database
from app.main import create_app
from tests.conftest import test_settings as settings_for

FULL, NORMAL = 2, 1  # PRAGMA synchronous values


def _synchronous(database: Database) -> tuple[int, int]:
    with database.session() as session, session.begin():
        written = session.execute(text("PRAGMA synchronous")).scalar_one()
    with database.read_sessionmaker() as session:
        read = session.execute(text("PRAGMA synchronous")).scalar_one()
    return written, read


def test_write_connections_are_full_by_default(tmp_path: Path) -> None:
    app = create_app(settings_for(f"sqlite:///{tmp_path / 'a.db'}"))
    try:
        assert _synchronous(app.state.database) == (FULL, FULL)
    finally:
        app.state.database.dispose()
    # So are the command line's (imports, seeding), which build their own Database.
    database = Database(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        assert _synchronous(database)[0] == FULL
    finally:
        database.dispose()


@pytest.mark.parametrize(("setting", "expected"), [("NORMAL", NORMAL), ("FULL", FULL)])
def test_the_level_is_a_setting(tmp_path: Path, setting: str, expected: int) -> None:
    app = create_app(settings_for(f"sqlite:///{tmp_path / 'c.db'}", sqlite_synchronous=setting))
    try:
        assert _synchronous(app.state.database)[0] == expected
    finally:
        app.state.database.dispose()
