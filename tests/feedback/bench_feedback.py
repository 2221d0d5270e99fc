"""Feedback benchmarks: print figures, assert nothing (not collected by pytest).

    .venv/bin/python -m tests.feedback.bench_feedback            # SQLite in a temp dir
    .venv/bin/python -m tests.feedback.bench_feedback --postgres postgresql://postgres@127.0.0.1:5432/postgres

Measures: the text pipeline per comment (redaction, spam score, language), submissions over
HTTP (latency and rate, limits raised so nothing is refused), the public summary of a point
with many rows, and the cost of the warnings lookup on a page of 200 points.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from limits.storage import MemoryStorage

from app import schema
from app.db import utcnow
from app.feedback.language import detect_language
from app.feedback.models import Feedback, FeedbackTagChoice
from app.feedback.privacy import redact
from app.feedback.spam import score
from app.main import create_app
from app.ratelimit import RateLimiter
from app.tasks import service as tasks_service
from app.tasks.models import VerificationTask
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.conftest import test_settings as settings_for
from tests.factories import make_organization, make_point
from tests.feedback.helpers import prepare_database

DATA = Path(__file__).parent / "data"


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"p50 {statistics.median(ordered):.2f} ms, p95 {p95:.2f} ms"


def _timed(call: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def bench_pipeline() -> None:
    texts = [i["text"] for i in json.loads((DATA / "spam_sample.json").read_text())]
    texts += [i["text"] for i in json.loads((DATA / "language_sample.json").read_text())]
    rounds = 20
    started = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            clean = redact(text, region="CO").text
            score(clean)
            detect_language(clean)
    per = (time.perf_counter() - started) / (rounds * len(texts)) * 1e6
    print(f"text pipeline (redact + spam + language): {per:.0f} µs per comment")


def bench_http(url: str, label: str) -> None:
    app = create_app(
        settings_for(
            url,
            feedback_limit_per_client="100000/hour",
            feedback_limit_per_client_point="100000/day",
            feedback_limit_per_point="100000/hour",
        )
    )
    app.state.rate_limiter = RateLimiter(MemoryStorage())
    prepared = prepare_database(app)
    database = app.state.database
    with TestClient(app) as client:
        target = f"/v1/points/{prepared.point_id}/feedback"
        bodies = [
            {"rating": 4, "tags": ["very_helpful"]},
            {
                "tags": ["wrong_hours"],
                "comment": "Abren a las 9, no a las 8; llamen al 312 555 0199",
            },
            {
                "rating": 2,
                "comment": "Nos hicieron esperar todo el día, pero al final nos atendieron",
            },
        ]
        n = 300
        started = time.perf_counter()
        latencies = []
        for i in range(n):
            peer = TestClient(app, client=(f"2001:db8:{i:x}::1", 1))
            t0 = time.perf_counter()
            response = peer.post(target, json=bodies[i % len(bodies)])
            latencies.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 202, response.text
        rate = n / (time.perf_counter() - started)
        print(f"[{label}] POST feedback: {rate:.0f}/s on one worker; {_percentiles(latencies)}")

        # A busy point: 5,000 more rows with tags and approved comments, over 60 days.
        with database.session() as session, session.begin():
            point_id = session.scalar(
                Feedback.__table__.select().with_only_columns(Feedback.point_id).limit(1)
            )
            now = utcnow()
            rng = random.Random(7)
            for i in range(5000):
                row = Feedback(
                    point_id=point_id,
                    rating=rng.randint(1, 5),
                    comment=f"comentario {i}" if i % 4 == 0 else None,
                    comment_lang=rng.choice(["es", "en", "fr", "pt", "ht", "und"]),
                    status=rng.choice(["approved", "approved", "pending", "rejected"]),
                    held=False,
                    counted=True,
                    spam_score=0.0,
                    flags=[],
                    content_digest=uuid.uuid4().hex,
                    created_at=now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 60)),
                    tags=[FeedbackTagChoice(tag_code=rng.choice(["very_helpful", "long_wait"]))],
                )
                session.add(row)
        summary = f"/v1/points/{prepared.point_id}/feedback"
        timings = _timed(lambda: client.get(summary, params={"lang": "fr"}), 50)
        print(f"[{label}] GET summary of a point with 5,300 rows: {_percentiles(timings)}")

        # warnings_for on a page of 200 points, 50 of them with open tasks.
        with database.session() as session, session.begin():
            org = make_organization(session)
            ids = [make_point(session, org).id for _ in range(200)]
            for point in ids[:50]:
                session.add(
                    VerificationTask(
                        point_id=point,
                        kind="closed",
                        status="open",
                        report_count=3,
                        first_report_at=now,
                        last_report_at=now,
                        opened_at=now,
                    )
                )
        with database.session() as session:
            timings = _timed(lambda: tasks_service.warnings_for(session, ids), 50)
        print(f"[{label}] warnings_for(200 point ids, 50 open tasks): {_percentiles(timings)}")
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="admin URL; a scratch database is created and dropped")
    args = parser.parse_args()
    bench_pipeline()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        schema.upgrade(url)
        bench_http(url, "sqlite")
    if args.postgres:
        url = create_postgres_database(args.postgres)
        try:
            schema.upgrade(url)
            bench_http(url, "postgres")
        finally:
            drop_postgres_database(args.postgres, url)


if __name__ == "__main__":
    main()
