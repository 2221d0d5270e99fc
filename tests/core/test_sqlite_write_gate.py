"""SQLite writers of one process queue on the write gate: a burst of concurrent writers all
commit (none sleeps in SQLite's busy handler into a timeout), and every way a write
transaction can end lets the next writer in."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.db import Database
from app.sqlite import SqliteWriteGate


@pytest.fixture
def database(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'gate.db'}")
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, writer INTEGER)"))
    yield database
    database.dispose()


def _count(database: Database) -> int:
    with database.read_sessionmaker() as session:
        return int(session.execute(text("SELECT count(*) FROM item")).scalar_one())


def test_a_burst_of_writers_all_commit(database: Database) -> None:
    in_transaction = 0
    most_at_once = 0
    guard = threading.Lock()

    def write(n: int) -> int:
        nonlocal in_transaction, most_at_once
        with database.session() as session:
            session.execute(text("INSERT INTO item (writer) VALUES (:n)"), {"n": n})
            with guard:
                in_transaction += 1
                most_at_once = max(most_at_once, in_transaction)
            time.sleep(0.01)  # a slow transaction: the others must wait, not fail
            with guard:
                in_transaction -= 1
            session.commit()
        return n

    with ThreadPoolExecutor(max_workers=24) as pool:
        done = list(pool.map(write, range(120)))
    assert done == list(range(120))
    assert _count(database) == 120
    assert most_at_once == 1  # one writer at a time inside the process


def test_every_ending_lets_the_next_writer_in(database: Database) -> None:
    # Rolled back.
    with database.session() as session:
        session.execute(text("INSERT INTO item (writer) VALUES (1)"))
        session.rollback()
    # Closed without commit or rollback (the pool resets the connection on check-in).
    session = database.session()
    session.execute(text("INSERT INTO item (writer) VALUES (2)"))
    session.close()
    # Failed in the middle.
    with pytest.raises(OperationalError), database.session() as session:
        session.execute(text("INSERT INTO no_such_table VALUES (3)"))
    # Committed.
    with database.session() as session:
        session.execute(text("INSERT INTO item (writer) VALUES (4)"))
        session.commit()
    # Each of the above released the gate, or this would wait out the timeout and fail.
    started = time.perf_counter()
    with database.session() as session:
        session.execute(text("INSERT INTO item (writer) VALUES (5)"))
        session.commit()
    assert time.perf_counter() - started < SqliteWriteGate().timeout_s
    assert _count(database) == 2


def test_readers_do_not_wait_for_a_writer(database: Database) -> None:
    with database.session() as writer:
        writer.execute(text("INSERT INTO item (writer) VALUES (1)"))
        # A writer holds the gate; a read on another connection goes on (WAL) and does
        # not see the uncommitted row.
        assert _count(database) == 0
        writer.commit()
    assert _count(database) == 1


def test_a_second_writer_waits_then_commits(database: Database) -> None:
    failures: list[BaseException] = []

    def second() -> None:
        try:
            with database.session() as other:
                other.execute(text("INSERT INTO item (writer) VALUES (2)"))
                other.commit()
        except BaseException as exc:  # collected for the assertion below
            failures.append(exc)

    with database.session() as first:
        first.execute(text("INSERT INTO item (writer) VALUES (1)"))
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=0.5)
        # Queued behind the first writer, not failed.
        assert thread.is_alive()
        assert not failures
        first.commit()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert not failures
    assert _count(database) == 2
