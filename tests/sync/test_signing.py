"""Ed25519 keys: files, rotation with endorsement, /v1/keys, ``rumbo keys``, missing keys."""

from __future__ import annotations

import base64
import logging
import stat
from pathlib import Path

import orjson
import pytest
from nacl.signing import VerifyKey
from typer.testing import CliRunner

from app.cli import cli
from app.settings import get_settings
from app.signing.keyring import (
    KEYRING_FILE,
    Keyring,
    KeysUnavailable,
    Signature,
    endorsement_message,
    generate,
    rotate,
)


def private_seeds(directory: Path) -> list[bytes]:
    return [path.read_bytes().strip() for path in directory.glob("*.key")]


def test_generate_writes_a_private_file_readable_only_by_its_owner(tmp_path):
    kid, created = generate(tmp_path)
    assert created
    key_file = tmp_path / f"{kid}.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    document = orjson.loads((tmp_path / KEYRING_FILE).read_bytes())
    assert document["current"] == kid
    assert key_file.read_bytes().strip().decode() not in (tmp_path / KEYRING_FILE).read_text()
    assert generate(tmp_path) == (kid, False)


def test_sign_and_verify_and_a_changed_byte_fails(tmp_path):
    ring = Keyring(tmp_path, create_missing=True)
    signature = ring.sign(b'{"a":1}')
    assert ring.verify(b'{"a":1}', signature)
    assert not ring.verify(b'{"a":2}', signature)
    assert not ring.verify(b'{"a":1}', Signature(kid="unknown", value=signature.value))


def test_rotation_keeps_old_public_keys_and_endorses_the_new_one(tmp_path):
    ring = Keyring(tmp_path, create_missing=True, reload_seconds=0)
    old_signature = ring.sign(b"old bundle")
    old_kid, new_kid = rotate(tmp_path)
    assert old_signature.kid == old_kid
    assert ring.current_kid == new_kid
    keys = {k.kid: k for k in ring.public_keys()}
    assert set(keys) == {old_kid, new_kid}
    assert keys[old_kid].retired_at and keys[new_kid].retired_at is None
    assert ring.verify(b"old bundle", old_signature)
    assert ring.sign(b"new").kid == new_kid
    new = keys[new_kid]
    VerifyKey(keys[old_kid].public_key).verify(
        endorsement_message(new_kid, new.public_key), new.endorsement
    )
    # Only the current private key is kept.
    assert [p.name for p in tmp_path.glob("*.key")] == [f"{new_kid}.key"]


def test_rotate_without_a_keyring_is_refused(tmp_path):
    with pytest.raises(KeysUnavailable):
        rotate(tmp_path / "empty")


def test_keys_endpoint_lists_public_keys_only(client, app, tmp_path):
    app.state.keyring = Keyring(tmp_path, create_missing=True, reload_seconds=0)
    app.state.keyring.sign(b"x")
    rotate(tmp_path)
    response = client.get("/v1/keys")
    assert response.status_code == 200
    body = response.json()
    assert len(body["keys"]) == 2 and body["current"] == body["keys"][1]["kid"]
    for key in body["keys"]:
        assert key["alg"] == "Ed25519"
        assert len(base64.b64decode(key["public_key"])) == 32
    for seed in private_seeds(tmp_path):
        assert seed not in response.content
    assert response.headers["cache-control"] == "public, max-age=300"


def test_without_keys_signed_routes_answer_503_and_the_rest_works(client, app, tmp_path, caplog):
    app.state.keyring = Keyring(tmp_path / "none", create_missing=False)
    with caplog.at_level(logging.ERROR, logger="rumbo.signing"):
        for path in ("/v1/sync?country=CO", "/v1/bundles/CO", "/v1/keys"):
            response = client.get(path)
            assert response.status_code == 503, path
            assert response.headers["content-type"] == "application/problem+json"
            assert str(tmp_path) not in response.text
    assert "rumbo keys generate" in caplog.text
    assert client.get("/v1/points", params={"limit": 1}).status_code == 200


def test_signing_logs_no_private_material(tmp_path, caplog):
    with caplog.at_level(logging.DEBUG):
        ring = Keyring(tmp_path, create_missing=True)
        ring.sign(b"payload")
        rotate(tmp_path)
        Keyring(tmp_path).sign(b"payload")
    for seed in private_seeds(tmp_path):
        assert seed.decode() not in caplog.text
    assert "Keyring(" in repr(ring) and str(tmp_path) in repr(ring)


def test_cli_generate_rotate_list(tmp_path, monkeypatch):
    monkeypatch.setenv("RUMBO_KEYS_DIR", str(tmp_path / "keys"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        missing = runner.invoke(cli, ["keys", "rotate"])
        assert missing.exit_code == 1
        made = runner.invoke(cli, ["keys", "generate"])
        assert made.exit_code == 0 and "created signing key" in made.output
        again = runner.invoke(cli, ["keys", "generate"])
        assert again.exit_code == 0 and "already exists" in again.output
        rotated = runner.invoke(cli, ["keys", "rotate"])
        assert rotated.exit_code == 0, rotated.output
        listed = runner.invoke(cli, ["keys", "list"])
        assert listed.exit_code == 0
        lines = listed.output.strip().splitlines()
        assert len(lines) == 2 and "retired" in lines[0] and "current" in lines[1]
        for seed in private_seeds(tmp_path / "keys"):
            assert seed.decode() not in made.output + rotated.output + listed.output
    finally:
        get_settings.cache_clear()
