"""``open_now`` from precomputed hours (issue #15): CPU per request in one process, A/B.

    .venv/bin/python -m bench.open_now_bench --db /work/tmp-x/rumbo-100000.db [--requests 400]

On a copy of a bench SQLite file (it is migrated and its hours computed: never point it at
the shared cache), the same requests through the app (httpx, in process, no server):

- ``route``: the rendering path (``RUMBO_DOCUMENTS_HOT_PATH=off``'s switch), which is where
  ``open_now``/``at`` requests went before;
- ``hot, evaluated``: the hot path with the precomputed hours cleared (each item's
  ``open_now`` and the filter evaluate the expression, as the splice did before);
- ``hot, precomputed``: the hot path reading the stored changes of state.

CPU is this process's (``time.process_time``) over the requests, divided by their number;
on a shared machine the figures are noisy. ``open_now`` of one item alone is measured too
(best of several rounds over 2,000 stored documents): evaluated at a new minute (the
per-minute memo of ``open_at`` cold, as for most points of a large data set), evaluated
again at the same minute (memo warm), and looked up in the precomputed changes.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import random
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from app.documents.cli import extend_hours
from app.documents.reading import Document, documents_for
from app.documents.splicing import Splicer
from app.i18n.negotiation import negotiate
from app.main import create_app
from app.service_points import opening_weeks
from app.settings import Settings
from bench.scenarios import sample_points


def _migrate(url: str) -> None:
    from app import schema

    schema.upgrade(url)


def _urls(url: str, count: int) -> list[dict[str, Any]]:
    rng = random.Random(5)
    now = dt.datetime.now(dt.UTC)
    out: list[dict[str, Any]] = []
    for sample in sample_points(url, count):
        centre = f"{sample.lat + rng.uniform(-0.01, 0.01):.5f},{sample.lon:.5f}"
        at = (now + dt.timedelta(hours=rng.randint(0, 24 * 6))).strftime("%Y-%m-%dT%H:%M:00Z")
        kind = rng.choice(("open_now", "at", "plain"))
        params: dict[str, Any] = {"near": centre, "radius": 25000, "limit": 20}
        if kind == "open_now":
            params.update(open_now="true", at=at)
        elif kind == "at":
            params["at"] = at
        out.append(params)
    return out


def _run(client: TestClient, requests: list[dict[str, Any]]) -> tuple[float, float]:
    for params in requests[:20]:  # warm the caches of the path
        client.get("/v1/points", params=params)
    cpu, wall = time.process_time(), time.perf_counter()
    for params in requests:
        response = client.get("/v1/points", params=params)
        assert response.status_code == 200, response.text
    n = len(requests)
    return (time.process_time() - cpu) / n * 1000, (time.perf_counter() - wall) / n * 1000


def _per_item(docs: list[Document], at: dt.datetime, rounds: int = 5) -> float:
    """Microseconds per item of ``open_now`` (best of ``rounds``; a new minute each round
    when ``at`` moves, see :func:`_items`)."""
    best = float("inf")
    pref = negotiate(lang=None, accept_language=None, default="es", supported=())
    for index in range(rounds):
        splicer = Splicer.of(
            pref, at=at + dt.timedelta(minutes=index), now=at, stale_after=dt.timedelta(days=1)
        )
        started = time.perf_counter()
        for doc in docs:
            splicer.open_now(doc)
        best = min(best, time.perf_counter() - started)
    return best / len(docs) * 1e6


def _items(app: Any) -> None:
    database = app.state.database
    with database.session() as session:
        ids = list(
            session.execute(
                text(
                    "SELECT point_id FROM point_document WHERE view = 'full' AND lang = '' "
                    "AND published AND opening_hours IS NOT NULL ORDER BY point_id LIMIT 2000"
                )
            ).scalars()
        )
        docs = list(documents_for(session, ids, view="full", key="").values())
    at = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(days=2)
    horizon = opening_weeks.horizon_at(at)
    # The bench data repeat a few expressions; real data vary: one of its own per point.
    varied = [
        dataclasses.replace(
            d,
            opening_hours=(
                hours := f"Mo-Fr {6 + i % 6:02d}:{i % 60:02d}-{12 + i // 60 % 10:02d}:00; PH off"
            ),
            hours=opening_weeks.week_changes(hours, d.timezone, d.country, horizon),
        )
        for i, d in enumerate(docs)
    ]
    for name, sample in (("bench data", docs), ("varied hours", varied)):
        bare = [dataclasses.replace(d, hours=None, hours_until=None) for d in sample]
        cold = _per_item(bare, at + dt.timedelta(minutes=100))
        warm_at = at + dt.timedelta(minutes=500)
        _per_item(bare, warm_at, rounds=1)
        warm = min(_per_item(bare, warm_at, rounds=1) for _ in range(5))
        looked_up = _per_item(sample, at)
        print(
            f"open_now per item, {name} ({len(sample)} points with hours): evaluated at a new "
            f"minute {cold:.2f} us, at the same minute {warm:.2f} us; precomputed "
            f"{looked_up:.2f} us"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args(argv)
    url = f"sqlite:///{args.db}"
    _migrate(url)
    started = time.perf_counter()
    count = extend_hours(url)
    print(f"hours precomputed for {count} points in {time.perf_counter() - started:.1f} s")
    requests = _urls(url, args.requests)
    app = create_app(Settings(database_url=url, environment="test", log_level="WARNING"))
    kinds = {k: sum(k in p for p in requests) for k in ("open_now", "at")}
    print(f"{len(requests)} requests, nearest 20 within 25 km: {kinds}")
    with TestClient(app) as client:
        _items(app)
        client.get("/v1/languages")
        app.state.documents_disabled = True
        route = _run(client, requests)
        app.state.documents_disabled = False
        precomputed = _run(client, requests)
        database = app.state.database
        with database.engine.begin() as conn:
            saved = conn.execute(
                text("SELECT point_id, view, lang, hours, hours_until FROM point_document")
            ).all()
            conn.execute(text("UPDATE point_document SET hours = NULL, hours_until = NULL"))
        evaluated = _run(client, requests)
        with database.engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE point_document SET hours = :h, hours_until = :u "
                    "WHERE point_id = :p AND view = :v AND lang = :l"
                ),
                [{"p": r[0], "v": r[1], "l": r[2], "h": r[3], "u": r[4]} for r in saved],
            )
        again = _run(client, requests)
    for name, (cpu, wall) in (
        ("route", route),
        ("hot, evaluated", evaluated),
        ("hot, precomputed", precomputed),
        ("hot, precomputed (again)", again),
    ):
        print(f"{name:26s} CPU {cpu:6.2f} ms/request   wall {wall:6.2f} ms/request")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
