"""Ed25519 keys: files, rotation with endorsement, /v1/keys, ``rumbo keys``, missing keys."""

from __future__ import annotations

import base64
import datetime as dt
import logging
import stat
from pathlib import Path

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
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
    verify_ed25519,
)
from app.signing.validity import check

# RFC 8032, section 7.1, TEST 1, 2 and 3: (secret key = seed, public key, message, signature).
RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555f"
        "b8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da08"
        "5ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18"
        "ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]


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
    assert new.endorsement is not None
    Ed25519PublicKey.from_public_bytes(keys[old_kid].public_key).verify(
        new.endorsement, endorsement_message(new_kid, new.public_key)
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


def write_legacy_keyring(directory: Path, kid: str, seed: bytes, public: bytes) -> None:
    """A key directory as earlier releases (PyNaCl) wrote it: base64 seed, keyring.json."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{kid}.key").write_bytes(base64.b64encode(seed) + b"\n")
    entry = {
        "kid": kid,
        "public_key": base64.b64encode(public).decode(),
        "created_at": "2025-01-01T00:00:00Z",
    }
    document = {"current": kid, "keys": [entry]}
    (directory / KEYRING_FILE).write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))


@pytest.mark.parametrize(("seed", "public", "message", "expected"), RFC8032)
def test_a_stored_seed_signs_as_rfc_8032_says(tmp_path, seed, public, message, expected):
    kid = "20250101-legacy"
    write_legacy_keyring(tmp_path, kid, bytes.fromhex(seed), bytes.fromhex(public))
    ring = Keyring(tmp_path)
    signature = ring.sign(bytes.fromhex(message))
    assert signature == Signature(kid=kid, value=bytes.fromhex(expected))
    assert ring.verify(bytes.fromhex(message), signature)
    assert verify_ed25519(bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(expected))
    assert not verify_ed25519(bytes.fromhex(public), b"other", bytes.fromhex(expected))
    altered = bytearray(bytes.fromhex(expected))
    altered[0] ^= 0x01
    assert not ring.verify(bytes.fromhex(message), Signature(kid=kid, value=bytes(altered)))
    assert not verify_ed25519(bytes.fromhex(public)[:31], b"", bytes.fromhex(expected))
    assert not verify_ed25519(bytes.fromhex(public), b"", bytes.fromhex(expected)[:63])


def test_validity_check_accepts_the_rfc_8032_signature_and_refuses_an_altered_one(tmp_path):
    _, public, message, expected = RFC8032[2]
    keyset = {
        "keys": [{"kid": "k", "public_key": base64.b64encode(bytes.fromhex(public)).decode()}]
    }
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    b64 = base64.b64encode(bytes.fromhex(expected)).decode()
    # Genuine but not a dated JSON document: "expired" (kept), never "invalid".
    assert check(keyset, bytes.fromhex(message), "k", b64, now=now) == "expired"
    assert check(keyset, b"\xaf\x83", "k", b64, now=now) == "invalid"
    assert check(keyset, bytes.fromhex(message), "k", "not base64!", now=now) == "invalid"
    assert check(keyset, bytes.fromhex(message), "other", b64, now=now) == "invalid"


def test_a_legacy_key_rotates_and_endorses_its_successor(tmp_path):
    seed, public, _, _ = RFC8032[0]
    kid = "20250101-legacy"
    write_legacy_keyring(tmp_path, kid, bytes.fromhex(seed), bytes.fromhex(public))
    old_kid, new_kid = rotate(tmp_path)
    assert old_kid == kid
    new = {k.kid: k for k in Keyring(tmp_path).public_keys()}[new_kid]
    assert new.endorsed_by == kid and new.endorsement is not None
    message = endorsement_message(new_kid, new.public_key)
    assert verify_ed25519(bytes.fromhex(public), message, new.endorsement)
    Ed25519PublicKey.from_public_bytes(bytes.fromhex(public)).verify(new.endorsement, message)
    # The new key's file holds its raw 32-byte seed, base64-encoded, as before.
    seed_file = base64.b64decode((tmp_path / f"{new_kid}.key").read_bytes(), validate=True)
    assert len(seed_file) == 32
    ring = Keyring(tmp_path)
    assert ring.verify(b"page", ring.sign(b"page"))
