"""``rumbo create-admin``, ``create-org``, ``api-key create|revoke`` on RUMBO_DATABASE_URL."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from app.settings import get_settings
from tests.accounts.helpers import api_key_headers, login

PASSWORD = "Paso-Canoas-Frontera-31"


@pytest.fixture
def on_fresh_database(
    fresh_app: Callable[..., tuple[FastAPI, str]], monkeypatch: pytest.MonkeyPatch
) -> Iterator[FastAPI]:
    app, url = fresh_app()
    monkeypatch.setenv("RUMBO_DATABASE_URL", url)
    monkeypatch.setenv("RUMBO_SECRET_KEY", app.state.settings.secret_key)
    get_settings.cache_clear()
    yield app
    get_settings.cache_clear()


def test_admin_org_and_api_keys(
    on_fresh_database: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.setenv("RUMBO_ADMIN_PASSWORD", PASSWORD)
    made = runner.invoke(cli, ["create-admin", "--email", "Root@Example.org"])
    assert made.exit_code == 0, made.output
    assert PASSWORD not in made.output
    again = runner.invoke(cli, ["create-admin", "--email", "root@example.org"])
    assert again.exit_code == 1

    monkeypatch.setenv("RUMBO_ADMIN_PASSWORD", "weak")
    weak = runner.invoke(cli, ["create-admin", "--email", "weak@example.org"])
    assert weak.exit_code == 1
    assert "at least 12 characters" in weak.output

    org = runner.invoke(
        cli, ["create-org", "--id", "cli-ngo", "--name", "CLI NGO", "--country", "pa"]
    )
    assert org.exit_code == 0, org.output

    created = runner.invoke(
        cli, ["api-key", "create", "--org", "cli-ngo", "--role", "editor", "--name", "importer"]
    )
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    assert key.startswith("rk_")
    key_id = created.output.split()[2]

    client = TestClient(on_fresh_database)
    tokens = login(client, "root@example.org", PASSWORD)
    me = client.get("/v1/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.json()["is_admin"] is True
    assert client.get("/v1/auth/me", headers=api_key_headers(key)).json()["credential"] == "api_key"

    revoked = runner.invoke(cli, ["api-key", "revoke", key_id])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/v1/auth/me", headers=api_key_headers(key)).status_code == 401


def test_create_admin_prompts_without_env(
    on_fresh_database: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RUMBO_ADMIN_PASSWORD", raising=False)
    result = CliRunner().invoke(
        cli, ["create-admin", "--email", "prompted@example.org"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    client = TestClient(on_fresh_database)
    assert login(client, "prompted@example.org", PASSWORD)["access_token"]
