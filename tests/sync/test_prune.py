"""``rumbo sync prune``: old changes go, and cursors from before them resync in full."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import cli
from app.journal.models import SyncChange
from app.settings import get_settings
from tests.factories import make_organization, make_point
from tests.sync.helpers import Replica, minimal_world, sync


def test_prune_then_old_cursors_get_410(sync_app, monkeypatch):
    app, url = sync_app()
    minimal_world(app)
    client = TestClient(app)
    replica = Replica()
    sync(client, replica, country="CO", lang="es")
    with app.state.database.session() as session, session.begin():
        make_point(session, make_organization(session), country="CO")
    monkeypatch.setenv("RUMBO_DATABASE_URL", url)
    monkeypatch.setenv("RUMBO_SECRET_KEY", app.state.settings.secret_key)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        kept = runner.invoke(cli, ["sync", "prune"])
        assert kept.exit_code == 0 and "removed 0 changes" in kept.output
        assert (
            client.get(
                "/v1/sync", params={"country": "CO", "lang": "es", "since": replica.cursor}
            ).status_code
            == 200
        )
        refused = runner.invoke(cli, ["sync", "prune", "--days", "-1"])
        assert refused.exit_code == 2
        pruned = runner.invoke(cli, ["sync", "prune", "--days", "0"])
        assert pruned.exit_code == 0, pruned.output
    finally:
        get_settings.cache_clear()
    with app.state.database.session() as session:
        assert session.scalar(select(func.count()).select_from(SyncChange)) == 0
    response = client.get(
        "/v1/sync", params={"country": "CO", "lang": "es", "since": replica.cursor}
    )
    assert response.status_code == 410 and response.json()["full_resync"] is True
    fresh = Replica()
    sync(client, fresh, country="CO", lang="es")
    assert len(fresh.records["points"]) == 1
