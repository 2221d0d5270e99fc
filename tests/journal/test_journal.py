"""The change journal: installed explicitly, never at import; both write paths record through
the same function, under one sequence number per transaction."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app import journal
from app.journal import repository as journal_repository
from app.journal.models import SyncChange
from app.service_points import state, writing
from app.service_points.bulk import BulkWriter, NewPoint
from app.service_points.inputs import ServicePointCreate
from tests.factories import make_organization, make_point, point_payload

ROOT = Path(__file__).resolve().parents[2]

# Every module of ``app`` but the ASGI entry point, whose job is to build the app on import.
_APP_LISTENERS = """
import importlib, pkgutil, sys
import app
from sqlalchemy.event import registry

def app_listeners():
    found = set()
    for key, listeners in list(registry._key_to_collection.items()):
        for ref in listeners.values():
            fn = ref()
            module = getattr(fn, "__module__", None) or ""
            if module.startswith("app."):
                found.add((key[1], module, fn.__qualname__))
    return sorted(found)

for info in pkgutil.walk_packages(app.__path__, "app."):
    if info.name != "app.asgi":
        importlib.import_module(info.name)
"""


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_APP_LISTENERS) + textwrap.dedent(code)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_importing_any_module_registers_no_listener() -> None:
    assert _run("print(app_listeners())") == "[]"


def test_installing_twice_registers_each_listener_once() -> None:
    out = _run(
        """
        from app.sync import tracking
        tracking.install()
        once = app_listeners()
        tracking.install()
        assert app_listeners() == once, (once, app_listeners())
        assert tracking.installed()
        tracking.uninstall()
        assert app_listeners() == [] and not tracking.installed()
        print(len(once))
        """
    )
    # three flush listeners, the journal's two transaction listeners, the documents' two
    assert out == "7"


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[list[journal.ChangeRow]]:
    """Every call of :func:`app.journal.record`, with the rows it was given."""
    calls: list[list[journal.ChangeRow]] = []
    real = journal.record

    def spy(session: Any, rows: Any, **kwargs: Any) -> None:
        rows = list(rows)
        calls.append(rows)
        real(session, rows, **kwargs)

    monkeypatch.setattr(journal, "record", spy)
    return calls


def test_orm_and_bulk_writes_record_through_the_same_function(db, recorded):
    org = make_organization(db)
    db.commit()
    before = journal_repository.counter(db).value

    point = make_point(db, org, country="AQ", lat=-75.0, lon=120.0)
    db.flush()
    orm_rows = [r for call in recorded for r in call]
    assert orm_rows == [journal.ChangeRow("point", point.public_id, "AQ", -75.0, 120.0)]

    recorded.clear()
    new = state.created(
        ServicePointCreate.model_validate(point_payload(country="AQ", lat=-76.0, lon=121.0))
    )
    public_id = str(uuid.uuid4())
    categories = writing.category_texts(db)
    BulkWriter(db, organization_id=org.id, categories=categories).write([NewPoint(public_id, new)])
    bulk_rows = [r for call in recorded for r in call]
    assert bulk_rows == [journal.ChangeRow("point", public_id, "AQ", -76.0, 121.0)]
    db.commit()

    # One transaction, one sequence number, both rows in the journal.
    logged = db.execute(select(SyncChange.seq, SyncChange.key).where(SyncChange.seq > before)).all()
    assert sorted(logged) == sorted([(before + 1, point.public_id), (before + 1, public_id)])


def test_a_rolled_back_savepoint_takes_a_new_number(db):
    before = journal_repository.counter(db).value
    nested = db.begin_nested()
    assert journal.take_seq(db) == before + 1
    nested.rollback()
    assert journal.current_seq(db) is None
    assert journal.take_seq(db) == before + 1  # the increment was undone with the savepoint
    db.rollback()


def test_a_row_is_recorded_once_per_transaction(db):
    before = journal_repository.counter(db).value
    row = journal.ChangeRow("category", "shelter")
    journal.record(db, [row, row])
    journal.record(db, [row])
    db.commit()
    logged = db.scalars(select(SyncChange.key).where(SyncChange.seq > before)).all()
    assert logged == ["shelter"]
