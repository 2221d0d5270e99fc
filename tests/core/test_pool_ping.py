"""PostgreSQL connections leave the pool without a ping when just returned and quiet
(app/pool_ping.py), and are pinged (and replaced) when the server ended them."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from app import pool_ping
from app.db import make_engine, normalise_url


@pytest.fixture
def engine(engine_kind: str, database_url: str) -> Iterator[Engine]:
    if engine_kind != "postgres":
        pytest.skip("the ping is PostgreSQL's (SQLite has no server to lose)")
    made = make_engine(database_url, pool_size=2, max_overflow=0)
    try:
        yield made
    finally:
        made.dispose()


def _pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    seen: list[int] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        seen.append(1)
        return bool(ping(dbapi_connection))

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return seen


def test_a_connection_just_returned_is_not_pinged(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = _pings(engine, monkeypatch)
    for _ in range(5):
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
    assert pings == []


def test_a_connection_idle_for_long_is_pinged(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    pings = _pings(engine, monkeypatch)
    monkeypatch.setattr(pool_ping, "FRESH_S", 0.0)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    assert pings == [1]


def test_a_connection_the_server_ended_is_replaced(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    pings = _pings(engine, monkeypatch)
    admin = create_engine(normalise_url(database_url))
    try:
        with admin.connect() as other:
            assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    finally:
        admin.dispose()
    time.sleep(0.5)  # the server's goodbye reaches the socket
    # What the server sent as it ended the session waits on the socket: the checkout pings,
    # the ping fails, and a new connection answers.
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid
    assert pings == [1]
