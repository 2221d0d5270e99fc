"""What alerts add to the near-me path: median microseconds of a nearest-20 search.

    .venv/bin/python bench/alerts_bench.py [--alerts 20] [--runs 400]

Builds a seeded SQLite database in a temporary directory, then times
``public_points.service.search`` (load, render from a warm cache, finish; no HTTP) around
random route places with no active alert, then with ``--alerts`` active polygon and
country alerts covering the route (each point of every page tested against each of them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import update

from app import schema, seed
from app.alerts.models import Alert, AlertTranslation
from app.countries.boundaries import codes_touching
from app.db import Database
from app.geo import backend_for
from app.geo.areas import normalise_area
from app.i18n.negotiation import negotiate
from app.public_points import service
from app.public_points.dependencies import PointQuery
from app.public_points.rendering import RenderCache
from app.service_points.visibility import SEARCH_TABLE

PLACES = [(8.4265, -76.7848), (8.05, -77.3), (9.0, -79.5), (14.9, -92.26), (10.0, -84.1)]


def _query(lat: float, lon: float) -> PointQuery:
    return PointQuery(
        near=(lat, lon),
        bbox=None,
        radius_m=50_000,
        categories=(),
        audiences=(),
        spoken_languages=(),
        countries=(),
        open_now=False,
        at=dt.datetime.now(dt.UTC),
        free=None,
        verified_since=None,
        q=None,
        limit=20,
        cursor=None,
        view="summary",
    )


def _time(database: Database, runs: int, rng: random.Random) -> float:
    backend = backend_for(database.dialect, SEARCH_TABLE)
    pref = negotiate(lang="es", accept_language=None, default="es", supported=frozenset({"es"}))
    cache = RenderCache()
    samples = []
    for i in range(runs + 50):
        lat, lon = rng.choice(PLACES)
        query = _query(lat + rng.uniform(-0.05, 0.05), lon + rng.uniform(-0.05, 0.05))
        started = time.perf_counter_ns()
        service.search(
            database, backend, query, pref=pref, stale_after=dt.timedelta(days=180), cache=cache
        )
        if i >= 50:  # warm-up first
            samples.append(time.perf_counter_ns() - started)
    return statistics.median(samples) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=20)
    parser.add_argument("--runs", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        schema.upgrade(url)
        database = Database(url)
        with database.session() as session, session.begin():
            seed.load_all(session)
            session.execute(update(Alert).values(status="cancelled"))
            org_id = session.scalars(
                Alert.__table__.select().with_only_columns(Alert.organization_id)
            ).first()
        without = _time(database, args.runs, random.Random(1))
        with database.session() as session, session.begin():
            now = dt.datetime.now(dt.UTC)
            for i in range(args.alerts):
                lat, lon = PLACES[i % len(PLACES)]
                raw = (
                    {"type": "Countries", "countries": ["PA", "CO"]}
                    if i % 4 == 0
                    else {
                        "type": "Polygon",
                        "coordinates": [
                            [
                                [lon - 0.5, lat - 0.5],
                                [lon + 0.5, lat - 0.5],
                                [lon + 0.5, lat + 0.5],
                                [lon - 0.5, lat + 0.5],
                                [lon - 0.5, lat - 0.5],
                            ]
                        ],
                    }
                )
                area, countries = normalise_area(raw, touching=codes_touching)
                session.add(
                    Alert(
                        organization_id=org_id,
                        category="scam",
                        severity="Moderate",
                        urgency="Expected",
                        certainty="Likely",
                        area=area,
                        countries=countries,
                        effective_at=now,
                        expires_at=now + dt.timedelta(days=1),
                        original_language="es",
                        status="published",
                        published_at=now,
                        authors=["bench"],
                        translations=[AlertTranslation(lang="es", title="x")],
                    )
                )
        with_alerts = _time(database, args.runs, random.Random(1))
        database.dispose()
    print(
        f"nearest-20 summary, median: {without:.0f} µs without alerts, "
        f"{with_alerts:.0f} µs with {args.alerts} active alerts (+{with_alerts - without:.0f} µs)"
    )


if __name__ == "__main__":
    main()
