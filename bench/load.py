"""Bulk loading of the generated data set into SQLite or PostgreSQL + PostGIS.

The schema is built by the real migrations and the real seed (taxonomy, languages,
organisations); then the generated points go in as fast as each engine allows:

- SQLite: the R*Tree and FTS5 insert triggers are dropped, rows go in with
  ``executemany`` in one transaction, both indexes are filled in one pass each, and the
  triggers are re-created from the migration's own statements.
- PostgreSQL: the spatial and text indexes are dropped, rows go in with ``COPY``, and the
  indexes are re-created (one GiST/GIN build each) from the migration's statements.

A loaded database is cached with a sidecar describing it, and reused (after ``alembic
upgrade heads``) while the generator version, size and seed are unchanged. The cache is
``var/bench`` of the checkout, or the directory named by ``RUMBO_BENCH_CACHE`` (shared by
several checkouts: e.g. ``RUMBO_BENCH_CACHE=/work/bench-cache``); PostgreSQL data sets are
databases of their own, described by a sidecar in the same directory.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import psycopg
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from app import schema
from app import seed as seed_module
from app.db import Database, normalise_url
from app.documents.cli import ensure_built
from app.geo.text import normalise_text
from app.organizations.models import Organization
from app.settings import Settings
from app.taxonomy.models import Category, CategoryTranslation
from bench.data import GENERATOR_VERSION, organisations
from bench.rows import POINT_COLUMNS, TRANSLATION_COLUMNS, batches, rows

__all__ = [
    "LoadReport",
    "load_postgres",
    "load_sqlite",
    "postgres_url_for",
    "prewarm",
    "sqlite_url",
]

ROOT = Path(__file__).resolve().parent.parent
# Where generated data sets are cached (RUMBO_BENCH_CACHE shares one across checkouts).
VAR = Path(os.environ.get("RUMBO_BENCH_CACHE") or ROOT / "var" / "bench").resolve()
MIGRATIONS = ROOT / "migrations" / "versions"
CORE_MIGRATION = MIGRATIONS / "2026_11_29_0001_core.py"
SEARCH_MIGRATION = MIGRATIONS / "2026_11_29_0008_search_vector.py"
SYNC_PAGES_MIGRATION = MIGRATIONS / "2026_12_07_syncpages_snapshot_indexes.py"


@dataclass
class LoadReport:
    engine: str
    points: int
    cached: bool
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return round(sum(self.seconds.values()), 2)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "total_seconds": self.total_seconds}


def _core_migration(path: Path = CORE_MIGRATION) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"rumbo_migration_{path.stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fingerprint(count: int, seed: int, target: str) -> dict[str, Any]:
    return {
        "generator": GENERATOR_VERSION,
        "points": count,
        "seed": seed,
        "target": target,
    }


def _cached(sidecar: Path, wanted: dict[str, Any]) -> dict[str, float] | None:
    """The load timings recorded for a cached data set matching ``wanted``, else None."""
    try:
        found = orjson.loads(sidecar.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    seconds = found.pop("seconds", {})
    return dict(seconds) if found == wanted else None


def _remember(sidecar: Path, wanted: dict[str, Any], report: LoadReport) -> None:
    sidecar.write_bytes(orjson.dumps({**wanted, "seconds": report.seconds}))


def _prepare(url: str) -> tuple[dict[int, str], dict[str, str]]:
    """Migrate, load the seed, add the bench organisations; returns org ids and the
    category text (names + keywords of a category and its parents) for search documents."""
    schema.upgrade(url)
    database = Database(url)
    try:
        with database.session() as session, session.begin():
            seed_module.load_all(session)
            existing = set(session.scalars(select(Organization.slug)))
            for slug, name in organisations():
                if slug not in existing:
                    session.add(Organization(slug=slug, name=name, is_sample=True))
            session.flush()
            ids = dict(session.execute(select(Organization.slug, Organization.id)).all())
            parents = dict(session.execute(select(Category.code, Category.parent_code)).all())
            words: dict[str, list[str]] = {}
            for code, name, keywords in session.execute(
                select(
                    CategoryTranslation.category_code,
                    CategoryTranslation.name,
                    CategoryTranslation.keywords,
                )
            ):
                words.setdefault(code, []).extend(w for w in (name, keywords) if w)
    finally:
        database.dispose()
    category_text: dict[str, str] = {}
    for code in parents:
        chain: list[str] = []
        current: str | None = code
        while current:
            chain.append(current)
            current = parents.get(current)
        category_text[code] = normalise_text(" ".join(w for c in chain for w in words.get(c, [])))
    org_ids = {k: ids[slug] for k, (slug, _) in enumerate(organisations())}
    return org_ids, category_text


def _timed(report: LoadReport, phase: str) -> contextlib.AbstractContextManager[None]:
    @contextlib.contextmanager
    def timer() -> Iterator[None]:
        started = time.perf_counter()
        yield
        report.seconds[phase] = round(
            report.seconds.get(phase, 0.0) + time.perf_counter() - started, 2
        )

    return timer()


# --- SQLite ------------------------------------------------------------------------------


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _sqlite_stamp(value: Any) -> str:
    """SQLAlchemy's SQLite storage of a UTC timestamp: ``2026-11-01 00:00:00.000000``."""
    return str(value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds"))


def load_sqlite(
    count: int, *, seed: int = 2026, path: Path | None = None
) -> tuple[Path, LoadReport]:
    """A SQLite database with ``count`` generated points (reused when cached)."""
    path = path or VAR / f"rumbo-{count}.db"
    sidecar = path.with_suffix(".json")
    wanted = _fingerprint(count, seed, "sqlite")
    report = LoadReport(engine="sqlite", points=count, cached=False)
    recorded = _cached(sidecar, wanted) if path.exists() else None
    if recorded is not None:
        # Migrations added since the data set was built run on it (they must not rebuild
        # service_point), so the cache survives new branches of the schema.
        schema.upgrade(sqlite_url(path))
        report.cached, report.seconds = True, recorded
        _documents(sqlite_url(path), report)
        return path, report
    path.parent.mkdir(parents=True, exist_ok=True)
    sidecar.unlink(missing_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with _timed(report, "migrate_and_seed"):
        org_ids, category_text = _prepare(sqlite_url(path))
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-500000")
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("BEGIN")
        # The insert triggers as the migrations left them (a later migration may have
        # replaced the first one's: the R*Tree holds the public location), re-created after.
        triggers = [
            sql
            for (sql,) in conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN "
                "('service_point_rtree_ai', 'service_point_fts_ai') ORDER BY name"
            )
        ]
        assert len(triggers) == 2, triggers
        conn.execute("DROP TRIGGER service_point_rtree_ai")
        conn.execute("DROP TRIGGER service_point_fts_ai")
        (first_id,) = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM service_point").fetchone()
        with _timed(report, "generate_and_insert"):
            for batch in batches(count, seed, first_id):
                points, translations, categories, audiences, languages = rows(
                    batch, org_ids, category_text, _sqlite_stamp
                )
                _sqlite_insert(conn, "service_point", POINT_COLUMNS, points)
                _sqlite_insert(conn, "service_point_translation", TRANSLATION_COLUMNS, translations)
                _sqlite_insert(
                    conn,
                    "service_point_category",
                    ("point_id", "category_code", "position"),
                    categories,
                )
                _sqlite_insert(
                    conn, "service_point_audience", ("point_id", "audience_code"), audiences
                )
                _sqlite_insert(conn, "service_point_language", ("point_id", "lang"), languages)
        with _timed(report, "rtree_fill"):
            conn.execute(
                "INSERT INTO service_point_rtree SELECT id, public_lat, public_lat, "
                "public_lon, public_lon, public_lat, public_lon "
                "FROM service_point WHERE id >= ? AND status IN ('published', "
                "'temporarily_closed') AND deleted_at IS NULL AND public_lat IS NOT NULL",
                (first_id,),
            )
        with _timed(report, "fts_fill"):
            conn.execute(
                "INSERT INTO service_point_fts(rowid, search_text) "
                "SELECT id, search_text FROM service_point WHERE id >= ?",
                (first_id,),
            )
        for statement in triggers:
            conn.execute(statement)
        conn.execute("COMMIT")
        with _timed(report, "analyze"):
            conn.execute("ANALYZE")
            conn.execute("PRAGMA journal_mode=WAL")
        problems = conn.execute("PRAGMA quick_check").fetchone()[0]
        if problems != "ok":
            raise RuntimeError(f"bench database failed quick_check: {problems}")
    finally:
        conn.close()
    _documents(sqlite_url(path), report)
    _remember(sidecar, wanted, report)
    return path, report


def _documents(url: str, report: LoadReport) -> None:
    """The stored point documents (issue #15), built as ``rumbo migrate`` builds them."""
    with _timed(report, "documents"):
        ensure_built(url, Settings.model_fields["default_language"].default)


def _sqlite_insert(
    conn: sqlite3.Connection, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    marks = ", ".join("?" for _ in columns)
    conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


# --- PostgreSQL ----------------------------------------------------------------------------


def _pg_index_statements() -> list[str]:
    """The spatial, text and sync page indexes, as the migrations create them (the text
    index is the one on the stored search vector since migration 0008): dropped before the
    rows are copied, built after."""
    spatial = [
        s
        for s in _core_migration().POSTGIS_SPATIAL_AND_TEXT
        if s.startswith("CREATE INDEX") and "search" not in s
    ]
    text = [
        s
        for s in _core_migration(SEARCH_MIGRATION).POSTGRES_UPGRADE
        if s.startswith("CREATE INDEX")
    ]
    sync_pages: list[str] = _core_migration(SYNC_PAGES_MIGRATION).UPGRADE
    return spatial + text + sync_pages


def postgres_url_for(base_url: str, count: int) -> str:
    """A database per size next to ``base_url`` (``<name>_<count>``), created if missing,
    so runs at several sizes keep their loaded data sets."""
    base = make_url(normalise_url(base_url))
    name = f"{base.database}_{count}"
    # The server's maintenance database: the one named in ``base_url`` need not exist.
    maintenance = base.set(database="postgres").render_as_string(hide_password=False)
    admin = create_engine(maintenance, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def load_postgres(url: str, count: int, *, seed: int = 2026) -> LoadReport:
    """Reset the PostgreSQL database at ``url`` and load ``count`` points (unless cached)."""
    name = make_url(normalise_url(url)).database or "postgres"
    sidecar = VAR / f"postgres-{name}.json"
    wanted = _fingerprint(count, seed, f"postgres:{name}")
    report = LoadReport(engine="postgres", points=count, cached=False)
    recorded = _cached(sidecar, wanted)
    if recorded is not None and _pg_count(url) >= count:
        schema.upgrade(url)
        report.cached, report.seconds = True, recorded
        _documents(url, report)
        return report
    VAR.mkdir(parents=True, exist_ok=True)
    sidecar.unlink(missing_ok=True)
    with _timed(report, "migrate_and_seed"):
        admin = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        admin.dispose()
        org_ids, category_text = _prepare(url)
    indexes = _pg_index_statements()
    dsn = make_url(normalise_url(url)).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(dsn) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '512MB'")
        for statement in indexes:
            conn.execute(f"DROP INDEX IF EXISTS {statement.split()[2]}")
        row = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM service_point").fetchone()
        first_id = int(row[0]) if row else 1
        with _timed(report, "generate_and_copy"):
            for batch in batches(count, seed, first_id):
                points, translations, categories, audiences, languages = rows(
                    batch, org_ids, category_text, lambda v: v
                )
                _pg_copy(conn, "service_point", POINT_COLUMNS, points)
                _pg_copy(conn, "service_point_translation", TRANSLATION_COLUMNS, translations)
                _pg_copy(
                    conn,
                    "service_point_category",
                    ("point_id", "category_code", "position"),
                    categories,
                )
                _pg_copy(conn, "service_point_audience", ("point_id", "audience_code"), audiences)
                _pg_copy(conn, "service_point_language", ("point_id", "lang"), languages)
        with _timed(report, "index_build"):
            for statement in indexes:
                conn.execute(statement)
            conn.execute(
                "SELECT setval(pg_get_serial_sequence('service_point', 'id'), "
                "(SELECT max(id) FROM service_point))"
            )
        conn.commit()
    with _timed(report, "analyze"), psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    _documents(url, report)
    _remember(sidecar, wanted, report)
    return report


def _pg_copy(
    conn: psycopg.Connection[Any],
    table: str,
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
) -> None:
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _pg_count(url: str) -> int:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM service_point")).scalar_one())
    except Exception:
        return -1
    finally:
        engine.dispose()


def prewarm(url: str) -> float:
    """Bring a database into memory before measuring (seconds taken): the OS page cache
    for a SQLite file, ``pg_prewarm`` of the point tables and their indexes on PostgreSQL.
    A field server has been running for days; a first request on a cold 3 GB file has not."""
    started = time.perf_counter()
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        with open(parsed.database, "rb") as handle:
            while handle.read(16 * 2**20):
                pass
        return round(time.perf_counter() - started, 2)
    engine = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
            conn.execute(
                text(
                    "SELECT pg_prewarm(c.oid) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') "
                    "AND (c.relname LIKE 'service_point%' OR c.relname LIKE '%_service_point%')"
                )
            )
    finally:
        engine.dispose()
    return round(time.perf_counter() - started, 2)
