"""Accepted feedback is never lost: the 202 leaves only after the commit, and a restarted
server (a new application on the same database) finds it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.types import Message, Receive, Scope, Send

from app.db import make_engine
from app.feedback.models import Feedback
from app.main import create_app
from tests.conftest import test_settings as settings_for
from tests.feedback.helpers import accepted, prepare_database


def test_receipt_is_sent_only_after_the_commit(fresh_app):
    app, url = fresh_app()
    point_id = prepare_database(app).point_id
    observer = make_engine(url)  # another connection: sees only committed rows
    stored_when_sent: list[int] = []

    async def spy(scope: Scope, receive: Receive, send: Send) -> None:
        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and scope.get("method") == "POST":
                with observer.connect() as conn:
                    count = conn.execute(select(func.count()).select_from(Feedback)).scalar_one()
                stored_when_sent.append(count)
            await send(message)

        await app(scope, receive, watch)

    try:
        with TestClient(spy) as client:
            for n in range(3):
                accepted(client.post(f"/v1/points/{point_id}/feedback", json={"rating": 1 + n}))
    finally:
        observer.dispose()
    # At the moment each 202 started, its row was already committed.
    assert stored_when_sent == [1, 2, 3]


def test_feedback_survives_a_restart_right_after_the_202(fresh_app):
    app, url = fresh_app()
    prepared = prepare_database(app)
    with TestClient(app) as client:
        receipt = accepted(
            client.post(
                f"/v1/points/{prepared.point_id}/feedback",
                json={"tags": ["closed_now"], "comment": "Cerrado hoy"},
            )
        )["receipt"]
    # The first server is gone (lifespan ended, engine disposed); a new one starts.
    restarted = create_app(settings_for(url))
    try:
        with TestClient(restarted) as client:
            found = client.get(f"/v1/moderation/feedback/{receipt}", headers=prepared.admin_headers)
            assert found.status_code == 200, found.text
            item: dict[str, Any] = found.json()
            assert item["comment"] == "Cerrado hoy" and item["tags"] == ["closed_now"]
            assert item["status"] == "pending" and item["point_id"] == prepared.point_id
    finally:
        restarted.state.database.dispose()
