"""Test harness: every test that uses ``client`` or ``db`` runs on SQLite, and on
PostgreSQL + PostGIS too when ``RUMBO_TEST_POSTGRES_URL`` is set.

The schema is built by ``alembic upgrade heads`` (so migrations are tested on both
engines) and the seed data is loaded once per engine. Each test then runs inside a
transaction on one connection that is rolled back afterwards; the app's sessions join it
through savepoints, so nothing a test writes is seen by the next.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from app import schema, versioned_cache
from app import seed as seed_module
from app.alerts import coverage as alerts_coverage
from app.db import Database, normalise_url
from app.documents import areas as documents_areas
from app.main import create_app
from app.maps import refresh as maps_index
from app.service_areas import coverage as areas_coverage
from app.settings import Settings
from app.sync import tracking

POSTGRES_URL = os.environ.get("RUMBO_TEST_POSTGRES_URL")
ENGINES = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


def ensure_postgres_database(url: str) -> None:
    """Make sure the database ``url`` names exists: create it when the server is reachable
    and lets us, or stop the whole run at once saying why (not one error per test)."""
    target = make_url(normalise_url(url))
    shown = target.render_as_string(hide_password=True)
    probe = create_engine(target, connect_args={"connect_timeout": 3}, poolclass=NullPool)
    try:
        with probe.connect():
            return
    except OperationalError as exc:
        reason = " ".join(str(exc.orig).split())
        if "does not exist" not in reason:
            pytest.exit(f"RUMBO_TEST_POSTGRES_URL: cannot connect to {shown}: {reason}", 3)
    finally:
        probe.dispose()
    # The server's maintenance database creates the missing one.
    admin = create_engine(
        target.set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
        poolclass=NullPool,
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    except DBAPIError as exc:
        reason = " ".join(str(exc.orig).split())
        pytest.exit(
            f"RUMBO_TEST_POSTGRES_URL: database {target.database!r} does not exist and could "
            f"not be created ({reason}); create it: createdb {target.database}",
            3,
        )
    finally:
        admin.dispose()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    # Once, in the main process (xdist workers have ``workerinput``), before any test.
    if POSTGRES_URL and not hasattr(session.config, "workerinput"):
        ensure_postgres_database(POSTGRES_URL)


@pytest.fixture(scope="session", autouse=True)
def _change_journal() -> None:
    """Writes through any session reach the change journal, as in the application (whose
    ``create_app`` installs the same listeners; nothing installs them at import)."""
    tracking.install()


def reset_postgres(url: str) -> None:
    engine = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def create_postgres_database(base_url: str) -> str:
    """A new empty database next to ``base_url``; returns its URL."""
    name = f"rumbo_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return (
        make_url(normalise_url(base_url)).set(database=name).render_as_string(hide_password=False)
    )


def drop_postgres_database(base_url: str, url: str) -> None:
    name = make_url(url).database
    admin = create_engine(normalise_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_UNLIMITED_BULK_READS = dict.fromkeys(
    (
        "export_limit_per_client",
        "sync_limit_per_client",
        "bundle_limit_per_client",
        "hsds_list_limit_per_client",
    ),
    "1000000/hour",
)


def test_settings(url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": url,
        "environment": "test",
        "log_level": "WARNING",
        "secret_key": "test-secret-key-0123456789abcdef",
        # Two test workers, each with apps of their own, share PostgreSQL's 100 connections.
        "database_pool_size": 4,
        "database_max_overflow": 8,
        # Two cores shared by the suite's workers and the servers some tests start: a
        # request may wait its turn for a while. Budget tests set theirs (tests/core).
        "request_budget_s": 30.0,
        # The tests' data lives in a transaction no other connection sees: the map index is
        # built in the request (tests/maps/test_grid_build.py builds in the background).
        "map_index_background": False,
        # One app serves a whole session of tests from one client address: bulk-read limits
        # (app/bulk_reads.py) are tested on apps of their own.
        **_UNLIMITED_BULK_READS,
    }
    return Settings(**{**values, **overrides})  # type: ignore[arg-type]


def seed_database(url: str) -> None:
    database = Database(url)
    with database.session() as session, session.begin():
        seed_module.load_all(session)
    database.dispose()


@pytest.fixture(scope="session", params=ENGINES)
def engine_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(engine_kind: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated and seeded database for the whole session, one per engine."""
    if engine_kind == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'rumbo.db'}"
    else:
        assert POSTGRES_URL
        url = worker_postgres_url(POSTGRES_URL)
        reset_postgres(url)
    schema.upgrade(url)
    seed_database(url)
    return url


def worker_postgres_url(base_url: str) -> str:
    """Under pytest-xdist each worker gets its own database next to ``base_url``."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return base_url
    name = f"{make_url(normalise_url(base_url)).database}_{worker}"
    admin = create_engine(normalise_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return (
        make_url(normalise_url(base_url)).set(database=name).render_as_string(hide_password=False)
    )


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[FastAPI]:
    # pytest may set a parametrised session fixture up more than once (when tests of the
    # two engines interleave): each app's pool is closed when it is torn down, or its idle
    # connections would pile up on PostgreSQL.
    instance = create_app(test_settings(database_url))
    yield instance
    instance.state.database.dispose()


@pytest.fixture
def connection(app: FastAPI) -> Iterator[object]:
    """One connection in an outer transaction that is rolled back after the test."""
    database: Database = app.state.database
    conn = database.engine.connect()
    outer = conn.begin()
    saved = (database.sessionmaker, database.read_sessionmaker)
    bound = sessionmaker(
        bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    database.sessionmaker = database.read_sessionmaker = bound
    app.state.languages.invalidate()
    try:
        yield conn
    finally:
        database.sessionmaker, database.read_sessionmaker = saved
        outer.rollback()
        conn.close()
        app.state.languages.invalidate()
        alerts_coverage.invalidate()  # the rollback undid alerts behind the app's back
        areas_coverage.invalidate()  # and area services (the data version went back)
        versioned_cache.invalidate_all()  # and what the taxonomy and countries cached
        maps_index.invalidate(app.state)  # and the map's grid index
        documents_areas.invalidate()  # and their renderings for near-me pages (#15)


@pytest.fixture
def client(app: FastAPI, connection: object) -> Iterator[TestClient]:
    """An httpx client against the app, isolated by the rolled-back transaction."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def db(app: FastAPI, connection: object) -> Iterator[Session]:
    """A session in the same rolled-back transaction as ``client`` (data-layer tests)."""
    session: Session = app.state.database.sessionmaker()
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def fresh_app(engine_kind: str, tmp_path: Path) -> Iterator[Callable[..., tuple[FastAPI, str]]]:
    """Factory of apps on brand-new databases with real, separate connections.

    For tests that need real concurrency or restarts (races, faults). Each database is
    migrated; pass ``seed=True`` to load the seed too.
    """
    created: list[tuple[FastAPI, str]] = []

    def make(*, seed: bool = False, **overrides: object) -> tuple[FastAPI, str]:
        if engine_kind == "sqlite":
            url = f"sqlite:///{tmp_path / f'fresh-{len(created)}.db'}"
        else:
            assert POSTGRES_URL
            url = create_postgres_database(POSTGRES_URL)
        schema.upgrade(url)
        if seed:
            seed_database(url)
        fresh = create_app(test_settings(url, **overrides))
        created.append((fresh, url))
        return fresh, url

    yield make
    for fresh, url in created:
        fresh.state.database.dispose()
        if engine_kind == "postgres" and POSTGRES_URL:
            drop_postgres_database(POSTGRES_URL, url)
