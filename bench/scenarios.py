"""The HTTP scenarios of the benchmark: what each one asks, built from the loaded data.

Every scenario is a list of requests that wrk cycles through, varied enough that no cache
(the app's, SQLite's page cache aside) can fake a figure: thousands of different centres,
viewports, words, countries and points. A scenario whose endpoint does not exist in this
build of the app is skipped with a reason.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import orjson
from sqlalchemy import create_engine, text

from app.db import normalise_url
from bench.data import ROUTE

__all__ = ["Sample", "Scenario", "build_scenarios", "sample_points"]

LANGS = ("es", "en", "fr")
WORDS = (
    "albergue",
    "shelter",
    "refuge",
    "comedor",
    "salud",
    "health",
    "santé",
    "wifi",
    "legal",
    "juridique",
    "migración",
    "duchas",
    "psicosocial",
    "agua",
    "información",
    "niños",
    "esperanza",
    "scalabrini",
    "casa del migrante",
    "albergue tapachula",
    "comedor necoclí",
    "salud danlí",
    "shelter tijuana",
    "legal aid mexico",
    "foyer panamá",
    "punto de agua",
    "remesas",
    "transfer",
)


@dataclass(frozen=True, slots=True)
class Sample:
    """A published point of the loaded data: where it is and its public id."""

    public_id: str
    lat: float
    lon: float
    country: str


@dataclass
class Scenario:
    name: str
    title: str
    lines: list[str] = field(default_factory=list)
    target_ratio: float | None = None
    skipped: str | None = None

    def write(self, directory: Path) -> Path:
        path = directory / f"{self.name}.txt"
        path.write_text("\n".join(self.lines) + "\n")
        return path


def sample_points(database_url: str, count: int = 4000, *, seed: int = 7) -> list[Sample]:
    """``count`` published points spread over the data set (deterministic)."""
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            top = int(conn.execute(text("SELECT max(id) FROM service_point")).scalar_one())
            rng = random.Random(seed)
            ids = sorted({rng.randint(1, top) for _ in range(count * 2)})
            rows = conn.execute(
                text(
                    "SELECT public_id, lat, lon, country FROM service_point "
                    "WHERE status = 'published' AND deleted_at IS NULL AND id IN ("
                    + ",".join(str(i) for i in ids)
                    # In id order: the shuffle below must see the same list on every
                    # engine (PostgreSQL returns heap order), or each engine's report
                    # samples different places (page sizes differed by 30 % for that).
                    + ") ORDER BY id"
                )
            ).all()
    finally:
        engine.dispose()
    samples = [Sample(str(r[0]), float(r[1]), float(r[2]), str(r[3])) for r in rows]
    random.Random(seed).shuffle(samples)
    return samples[:count]


def _get(path: str, **params: object) -> str:
    return f"GET\t{path}?{urlencode(params)}" if params else f"GET\t{path}"


def build_scenarios(samples: list[Sample], paths: set[str], *, seed: int = 11) -> list[Scenario]:
    """The scenarios, in report order; ``paths`` are the app's routes (from OpenAPI)."""
    rng = random.Random(seed)
    out = [Scenario("ceiling", "Framework ceiling: GET /healthz", [_get("/healthz")])]

    nearest = Scenario("nearest", "Nearest 20 within 25 km")
    for s in samples:
        # Jitter the centre by up to ~1 km: a phone is rarely standing on a service point.
        lat = round(s.lat + rng.uniform(-0.01, 0.01), 5)
        lon = round(s.lon + rng.uniform(-0.01, 0.01), 5)
        nearest.lines.append(
            _get("/v1/points", near=f"{lat},{lon}", radius=25000, limit=20, lang=rng.choice(LANGS))
        )
    out.append(nearest)
    # The same requests as the list view asks them (issue #15: no slower than the full one).
    summary = Scenario("nearest_summary", "Nearest 20 within 25 km, view=summary")
    summary.lines = [line + "&view=summary" for line in nearest.lines]
    out.append(summary)

    bbox = Scenario("bbox", "Map viewport (bbox), 20 points")
    for s in samples:
        # A phone screen at street level: about 4 x 2.5 km.
        half_w, half_h = rng.uniform(0.012, 0.025), rng.uniform(0.008, 0.015)
        box = f"{s.lon - half_w:.5f},{s.lat - half_h:.5f},{s.lon + half_w:.5f},{s.lat + half_h:.5f}"
        bbox.lines.append(_get("/v1/points", bbox=box, limit=20, lang=rng.choice(LANGS)))
    out.append(bbox)

    search = Scenario("text", "Text search (q=), 20 points")
    for _ in range(len(samples)):
        search.lines.append(
            _get("/v1/points", q=rng.choice(WORDS), limit=20, lang=rng.choice(LANGS))
        )
    out.append(search)

    feedback = Scenario("feedback", "Feedback POST (rating + comment), 202")
    if "/v1/points/{point_id}/feedback" in paths:
        for s in samples:
            body = orjson.dumps(
                {
                    "rating": rng.randint(1, 5),
                    "comment": "Bench {n}: atendieron bien, había fila",
                    "lang": "es",
                }
            ).decode()
            feedback.lines.append(f"POST\t/v1/points/{s.public_id}/feedback\t{body}")
    else:
        feedback.skipped = "not available yet: the app has no feedback POST"
    out.append(feedback)
    sync = Scenario("sync", "Sync page (snapshot of a map area, default page size)")
    if "/v1/sync" in paths:
        for s in samples[:1000]:
            place = rng.choice(ROUTE)
            box = (
                f"{place.lon - 0.3:.4f},{place.lat - 0.3:.4f},"
                f"{place.lon + 0.3:.4f},{place.lat + 0.3:.4f}"
            )
            sync.lines.append(_get("/v1/sync", bbox=box, lang=rng.choice(LANGS)))
            sync.lines.append(_get("/v1/sync", country=s.country, lang=rng.choice(LANGS)))
    else:
        sync.skipped = "not available yet: the app has no /v1/sync"
    out.append(sync)

    return out
