"""Two clients PATCH the same point with the same ETag at the same moment: exactly one wins.

Real threads, real separate connections, a brand-new database (``fresh_app``)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.access.principal import cli_principal
from app.accounts.models import Role
from app.errors import PreconditionFailed
from app.service_points.inputs import ServicePointUpdate
from app.service_points.repository import by_public_id
from app.staff_points import service as staff_service
from app.staff_points.service import etag_of
from tests.accounts.helpers import make_staff
from tests.factories import make_organization, make_point

ROUNDS = 3


def test_same_etag_race_has_one_winner(fresh_app: Callable[..., tuple[FastAPI, str]]) -> None:
    app, _url = fresh_app(seed=True)
    database = app.state.database
    with database.session() as session, session.begin():
        org = make_organization(session)
        staff = [
            make_staff(session, app.state.settings, role=Role.editor, organization=org)
            for _ in range(2)
        ]
        point = make_point(session, org)
        point_id, etag = point.public_id, etag_of(point)

    for round_number in range(ROUNDS):
        barrier = threading.Barrier(2)
        results: list[Any] = [None, None]

        def patch(
            i: int,
            etag: str = etag,
            n: int = round_number,
            barrier: threading.Barrier = barrier,
            results: list[Any] = results,
        ) -> None:
            client = TestClient(app, raise_server_exceptions=False)
            barrier.wait()
            results[i] = client.patch(
                f"/v1/points/{point_id}",
                json={"locality": f"client-{i}-round-{n}"},
                headers={**staff[i].headers, "If-Match": etag},
            )

        threads = [threading.Thread(target=patch, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        statuses = sorted(r.status_code for r in results)
        assert statuses == [200, 412], [r.text for r in results]
        winner = next(r for r in results if r.status_code == 200)
        loser = next(r for r in results if r.status_code == 412)
        assert loser.headers["content-type"].startswith("application/problem+json")
        assert loser.json()["current_etag"] == winner.json()["etag"]

        # The stored point is the winner's, with exactly one audited change this round.
        reader = TestClient(app)
        current = reader.get(f"/v1/staff/points/{point_id}", headers=staff[0].headers)
        assert current.json()["locality"] == winner.json()["locality"]
        assert current.json()["etag"] == winner.json()["etag"]
        history = reader.get(f"/v1/points/{point_id}/history", headers=staff[0].headers)
        assert [i["action"] for i in history.json()["items"]] == ["update"] * (round_number + 1)
        etag = current.json()["etag"]


def test_write_after_a_concurrent_commit_is_412(
    fresh_app: Callable[..., tuple[FastAPI, str]],
) -> None:
    """The version check in the UPDATE itself: a writer that read version N before another
    writer committed N+1 gets 412 with the current version, and nothing of its change lands."""
    app, _url = fresh_app(seed=True)
    database = app.state.database
    stale_after = dt.timedelta(days=180)
    with database.session() as session, session.begin():
        point = make_point(session, make_organization(session))
        point_id = point.public_id

    slow = database.session()
    with slow.begin():
        seen = by_public_id(slow, point_id)
        assert seen is not None
        old_etag = etag_of(seen)
    # Another writer commits in between.
    with database.session() as fast, fast.begin():
        staff_service.update_point(
            fast,
            cli_principal(),
            point_id,
            ServicePointUpdate(locality="first"),
            if_match=old_etag,
            stale_after=stale_after,
        )
    # The slow writer still holds version N in memory; its UPDATE matches no row.
    with slow.begin():
        slow.add(seen)
        with pytest.raises(PreconditionFailed) as caught:
            staff_service.update_point(
                slow,
                cli_principal(),
                point_id,
                ServicePointUpdate(locality="second"),
                if_match=old_etag,
                stale_after=stale_after,
            )
        slow.rollback()
    slow.close()
    with database.session() as check:
        fresh = by_public_id(check, point_id)
        assert fresh is not None and fresh.locality == "first"
        assert caught.value.extensions["current_etag"] == etag_of(fresh)
        assert caught.value.extensions["current_version"] == fresh.version
