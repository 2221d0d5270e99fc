"""Nothing in process memory serves alerts older than the database: two app instances (two
workers) on one database, one writes, the other answers with the write at once."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.accounts.models import Role
from app.main import create_app
from tests.accounts.helpers import make_staff
from tests.alerts.helpers import create, publish
from tests.conftest import test_settings as settings_for
from tests.factories import make_organization

IN_DARIEN = "/v1/where?lat=8.05&lon=-77.3"


def _own(ids: list[str], mine: str) -> list[str]:
    return [i for i in ids if i == mine]


def test_a_publish_and_a_cancel_by_another_worker_show_at_once(
    fresh_app: Callable[..., tuple[FastAPI, str]],
) -> None:
    writer_app, url = fresh_app()
    reader_app = create_app(settings_for(url))
    try:
        with writer_app.state.database.session() as session, session.begin():
            org = make_organization(session)
            settings = writer_app.state.settings
            editor = make_staff(session, settings, role=Role.editor, organization=org)
            reviewer = make_staff(session, settings, role=Role.editor, organization=org)
        with TestClient(writer_app) as writer, TestClient(reader_app) as reader:
            draft = create(writer, editor.headers)
            # The reader has read (and kept) the alerts before the publish.
            assert reader.get(IN_DARIEN).json().get("alerts", []) == []
            published = publish(writer, reviewer.headers, draft)
            assert published.status_code == 200, published.text
            alert = published.json()
            assert _own(reader.get(IN_DARIEN).json().get("alerts", []), alert["id"]) == [
                alert["id"]
            ]
            cancelled = writer.post(
                f"/v1/alerts/{alert['id']}/cancel",
                json={"reason": "river back to normal"},
                headers={**reviewer.headers, "If-Match": alert["etag"]},
            )
            assert cancelled.status_code == 200, cancelled.text
            assert reader.get(IN_DARIEN).json().get("alerts", []) == []
    finally:
        reader_app.state.database.dispose()
