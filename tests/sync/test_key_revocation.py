"""Signed data that cannot be replayed for ever, and a compromised-key drill.

Bundles and sync pages sign ``generated_at`` and ``expires_at``: an app warns on expired data
(someone offline for days still needs it) and refuses only data signed by a revoked key.
``rumbo keys revoke KID`` publishes the revocation at /v1/keys; a revoked key signs nothing
more and endorses no new key. ``app.signing.validity.check`` is what an app does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import cli
from app.settings import get_settings
from app.signing.keyring import Keyring
from app.signing.validity import check
from app.sync.models import SyncBundle

VALID_DAYS = 14  # settings.signed_data_valid_days


@pytest.fixture
def own_keys(
    client: TestClient, app: FastAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Keys of this test alone (the app and ``rumbo keys`` share them), reloaded at once."""
    directory = tmp_path / "keys"
    saved = app.state.keyring
    app.state.keyring = Keyring(directory, create_missing=True, reload_seconds=0)
    monkeypatch.setenv("RUMBO_KEYS_DIR", str(directory))
    get_settings.cache_clear()
    try:
        yield directory
    finally:
        app.state.keyring = saved
        get_settings.cache_clear()


def keys(client: TestClient) -> dict[str, Any]:
    response = client.get("/v1/keys")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def verdict(client: TestClient, response: Any, now: dt.datetime | None = None) -> str:
    return check(
        keys(client),
        response.content,
        response.headers["rumbo-key-id"],
        response.headers["rumbo-signature"],
        now=now or dt.datetime.now(dt.UTC),
    )


def keys_cli(*args: str) -> Any:
    return CliRunner().invoke(cli, ["keys", *args])


def test_bundles_and_sync_pages_sign_when_they_were_made_and_until_when(
    client: TestClient, own_keys: Path
) -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    for path in ("/v1/bundles/CO", "/v1/sync?country=CO&limit=5"):
        response = client.get(path)
        assert response.status_code == 200, response.text
        document = orjson.loads(response.content)
        generated = dt.datetime.fromisoformat(document["generated_at"])
        expires = dt.datetime.fromisoformat(document["expires_at"])
        assert before <= generated <= dt.datetime.now(dt.UTC)
        assert expires - generated == dt.timedelta(days=VALID_DAYS)
        assert verdict(client, response) == "ok"
        # Past its date it still verifies, with a warning: an app keeps using it.
        assert verdict(client, response, now=expires + dt.timedelta(days=1)) == "expired"
        # The dates are signed: moving them on breaks the signature.
        later = (expires + dt.timedelta(days=365)).isoformat().replace("+00:00", "Z")
        forged = response.content.replace(document["expires_at"].encode(), later.encode())
        assert forged != response.content
        assert (
            check(
                keys(client),
                forged,
                response.headers["rumbo-key-id"],
                response.headers["rumbo-signature"],
                now=dt.datetime.now(dt.UTC),
            )
            == "invalid"
        )


def test_compromised_key_drill(client: TestClient, own_keys: Path) -> None:
    old = client.get("/v1/bundles/CO")
    assert old.status_code == 200, old.text
    compromised = old.headers["rumbo-key-id"]
    assert verdict(client, old) == "ok"

    # 1. Revoke: published at once, and the key signs nothing more.
    revoked = keys_cli("revoke", compromised)
    assert revoked.exit_code == 0, revoked.output
    listed = {k["kid"]: k for k in keys(client)["keys"]}
    assert listed[compromised]["revoked_at"]
    assert client.get("/v1/bundles/CO").status_code == 503
    assert client.get("/v1/sync?country=CO").status_code == 503
    assert verdict(client, old) == "revoked"

    # 2. Rotate: a fresh key, not endorsed by the revoked one.
    rotated = keys_cli("rotate")
    assert rotated.exit_code == 0, rotated.output
    published = keys(client)
    fresh = published["current"]
    assert fresh != compromised
    entry = next(k for k in published["keys"] if k["kid"] == fresh)
    assert "endorsed_by" not in entry and "endorsement" not in entry
    assert not (own_keys / f"{compromised}.key").exists()

    # 3. The old bundle is flagged; the new one verifies.
    assert verdict(client, old) == "revoked"
    new = client.get("/v1/bundles/CO")
    assert new.status_code == 200, new.text
    assert new.headers["rumbo-key-id"] == fresh
    assert verdict(client, new) == "ok"
    page = client.get("/v1/sync?country=CO&limit=5")
    assert (page.headers["rumbo-key-id"], verdict(client, page)) == (fresh, "ok")
    assert keys_cli("list").output.count("revoked") == 1


def test_a_revoked_key_does_not_endorse_its_successor_even_when_retired_first(
    client: TestClient, own_keys: Path
) -> None:
    first = client.get("/v1/bundles/CO").headers["rumbo-key-id"]
    assert keys_cli("rotate").exit_code == 0
    second = keys(client)["current"]
    # The retired first key turns out to have been stolen.
    assert keys_cli("revoke", first).exit_code == 0
    listed = {k["kid"]: k for k in keys(client)["keys"]}
    assert listed[first]["revoked_at"]
    # Its endorsement of the second key is no longer worth anything: not published.
    assert "endorsement" not in listed[second]
    assert client.get("/v1/bundles/CO").headers["rumbo-key-id"] == second


def test_revoking_an_unknown_key_fails(own_keys: Path, client: TestClient) -> None:
    client.get("/v1/keys")
    result = keys_cli("revoke", "19990101-000000000000")
    assert result.exit_code == 1
    assert "no key" in result.output


@pytest.mark.parametrize("stored", ["past half its validity", "built before signed dates"])
def test_a_stored_bundle_is_rebuilt_before_it_gets_old(
    client: TestClient, db: Session, stored: str
) -> None:
    first = orjson.loads(client.get("/v1/bundles/CO").content)
    row = db.get(SyncBundle, ("CO", "*"))
    assert row is not None
    if stored == "past half its validity":
        row.built_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=VALID_DAYS / 2, seconds=1)
    else:
        row.built_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        row.format = 1
    db.flush()
    again = orjson.loads(client.get("/v1/bundles/CO").content)
    assert again["seq"] == first["seq"]
    rebuilt = db.get(SyncBundle, ("CO", "*"))
    db.refresh(rebuilt)
    assert dt.datetime.now(dt.UTC) - rebuilt.built_at < dt.timedelta(minutes=5)
    assert dt.datetime.fromisoformat(again["expires_at"]) - dt.datetime.now(dt.UTC) > dt.timedelta(
        days=VALID_DAYS - 1
    )
