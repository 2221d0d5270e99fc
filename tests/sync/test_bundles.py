"""``GET /v1/bundles/{country}``: built once per change, cached by ETag, signed."""

from __future__ import annotations

import base64
import email.utils
import gzip
import hashlib
from typing import Any

import brotli
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.db import utcnow
from app.service_points import writing
from app.service_points.inputs import ServicePointUpdate
from app.signing.keyring import Keyring, endorsement_message, rotate
from app.sync import bundles, repository
from app.sync.models import SyncBundle
from tests.factories import make_organization, make_point
from tests.sync.helpers import public_points


def published_keys(client: Any) -> dict[str, Ed25519PublicKey]:
    return {
        k["kid"]: Ed25519PublicKey.from_public_bytes(base64.b64decode(k["public_key"]))
        for k in client.get("/v1/keys").json()["keys"]
    }


def verify(client: Any, body: bytes, kid: str, signature: str) -> None:
    published_keys(client)[kid].verify(base64.b64decode(signature), body)


def get_bundle(client: Any, country: str = "CO", **headers: str) -> Any:
    response = client.get(f"/v1/bundles/{country}", headers=headers)
    assert response.status_code in (200, 304), response.text
    return response


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Countries of the bundles built during the test."""
    built: list[str] = []
    original = bundles._build

    def counting(session: Any, **kw: Any) -> Any:
        built.append(kw["country"])
        return original(session, **kw)

    monkeypatch.setattr(bundles, "_build", counting)
    return built


class TestContent:
    def test_holds_the_public_points_and_continues_by_delta_sync(self, client, db):
        response = get_bundle(client, **{"Accept-Encoding": "gzip"})
        bundle = response.json()
        assert bundle["format"] == "rumbo-bundle/1" and bundle["country"] == "CO"
        assert {p["id"] for p in bundle["points"]} == set(public_points(db, country="CO"))
        assert bundle["categories"] and bundle["audiences"] and bundle["feedback_tags"]
        assert bundle["countries"][0]["code"] == "CO"
        # Every language the points have, since no `lang` was asked for.
        assert any(len(p["texts"]) > 1 for p in bundle["points"])
        # A cursor belongs to a set of languages: the bundle's is every language (`*`).
        refused = client.get("/v1/sync", params={"country": "CO", "since": bundle["cursor"]})
        assert refused.status_code == 422
        delta = client.get(
            "/v1/sync", params={"country": "CO", "since": bundle["cursor"], "lang": "*"}
        )
        assert delta.status_code == 200, delta.text
        assert "points" not in delta.json()
        point = make_point(db, make_organization(db), country="CO")
        db.commit()
        delta = client.get(
            "/v1/sync", params={"country": "CO", "since": bundle["cursor"], "lang": "*"}
        ).json()
        assert [p["id"] for p in delta["points"]] == [point.public_id]

    def test_a_language_subset(self, client):
        bundle = client.get("/v1/bundles/CO", params={"lang": "en"}).json()
        assert bundle["langs"] == ["en"]
        for point in bundle["points"]:
            assert set(point["texts"]) <= {"en", point["original_language"]}

    def test_the_same_bytes_in_every_encoding(self, client):
        identity = get_bundle(client, **{"Accept-Encoding": "identity"})
        gz = client.get(
            "/v1/bundles/CO", headers={"Accept-Encoding": "gzip"}, follow_redirects=False
        )
        br = client.get("/v1/bundles/CO", headers={"Accept-Encoding": "br;q=1, gzip;q=0.5"})
        assert "content-encoding" not in identity.headers
        assert gz.headers["content-encoding"] == "gzip"
        assert br.headers["content-encoding"] == "br"
        assert identity.content == gz.content == br.content
        assert len({identity.headers["etag"], gz.headers["etag"], br.headers["etag"]}) == 3
        assert int(br.headers["content-length"]) < len(identity.content) / 3


class TestCaching:
    def test_built_once_per_change_then_served_from_storage(self, client, db, builds):
        first = get_bundle(client)
        second = get_bundle(client)
        assert builds == ["CO"]
        assert first.content == second.content
        assert first.headers["last-modified"] == second.headers["last-modified"]
        assert email.utils.parsedate_to_datetime(first.headers["last-modified"]).tzinfo
        org = make_organization(db)
        make_point(db, org, country="PA", lat=8.98, lon=-79.52)
        db.commit()
        get_bundle(client)
        assert builds == ["CO"], "a change in Panama does not rebuild Colombia's bundle"
        point = make_point(db, org, country="CO")
        db.commit()
        third = get_bundle(client)
        assert builds == ["CO", "CO"]
        assert point.public_id in {p["id"] for p in third.json()["points"]}

    def test_304_while_unchanged_and_a_change_invalidates_the_etag(self, client, db):
        first = get_bundle(client, **{"Accept-Encoding": "br"})
        etag = first.headers["etag"]
        unchanged = get_bundle(client, **{"Accept-Encoding": "br", "If-None-Match": etag})
        assert unchanged.status_code == 304 and unchanged.content == b""
        assert unchanged.headers["etag"] == etag
        point = make_point(db, make_organization(db), country="CO")
        db.commit()
        changed = get_bundle(client, **{"Accept-Encoding": "br", "If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag
        writing.update_point(db, point, ServicePointUpdate(locality="Otro lugar"))
        db.commit()
        again = get_bundle(
            client, **{"Accept-Encoding": "br", "If-None-Match": changed.headers["etag"]}
        )
        assert again.status_code == 200

    def test_cache_headers(self, client):
        response = get_bundle(client)
        assert response.headers["cache-control"] == "public, max-age=300, no-transform"
        assert "Accept-Encoding" in response.headers["vary"]
        assert response.headers["etag"].startswith('"')


class TestSignature:
    def test_genuine_bundle_verifies_in_header_and_detached_form(self, client):
        response = get_bundle(client, **{"Accept-Encoding": "br"})
        verify(
            client,
            response.content,
            response.headers["rumbo-key-id"],
            response.headers["rumbo-signature"],
        )
        detached = client.get("/v1/bundles/CO/signature").json()
        assert detached["alg"] == "Ed25519"
        assert detached["sha256"] == hashlib.sha256(response.content).hexdigest()
        verify(client, response.content, detached["kid"], detached["signature"])

    @pytest.mark.parametrize("position", [0, 100, -2])
    def test_a_changed_byte_fails(self, client, position):
        response = get_bundle(client)
        body = bytearray(response.content)
        body[position] ^= 0x20
        with pytest.raises(InvalidSignature):
            verify(
                client,
                bytes(body),
                response.headers["rumbo-key-id"],
                response.headers["rumbo-signature"],
            )

    def test_after_rotation_old_bundles_still_verify(self, client, app, db, tmp_path):
        app.state.keyring = Keyring(tmp_path, create_missing=True, reload_seconds=0)
        old = get_bundle(client)
        old_kid = old.headers["rumbo-key-id"]
        retired, new_kid = rotate(tmp_path)
        assert retired == old_kid
        keys = client.get("/v1/keys").json()
        assert keys["current"] == new_kid
        by_kid = {k["kid"]: k for k in keys["keys"]}
        assert by_kid[old_kid]["retired_at"] and "retired_at" not in by_kid[new_kid]
        # A client holding the old key id still verifies the bundle it downloaded earlier.
        verify(client, old.content, old_kid, old.headers["rumbo-signature"])
        # New bundles are signed by the new key, endorsed by the old one.
        new = get_bundle(client)
        assert new.headers["rumbo-key-id"] == new_kid
        verify(client, new.content, new_kid, new.headers["rumbo-signature"])
        endorsement = base64.b64decode(by_kid[new_kid]["endorsement"])
        public = base64.b64decode(by_kid[new_kid]["public_key"])
        published_keys(client)[old_kid].verify(endorsement, endorsement_message(new_kid, public))
        assert not (tmp_path / f"{old_kid}.key").exists()


BAD = [
    ("XX", {}, 422, "country"),
    ("Colombia", {}, 422, "country"),
    ("CO", {"lang": "de"}, 422, "lang"),
    ("CO", {"lang": "es,zz-!!"}, 422, "lang"),
    ("CO", {"lang": ""}, 422, "lang"),
]


@pytest.mark.parametrize(("country", "params", "status", "name"), BAD)
def test_bad_input(client, country, params, status, name):
    for path in (f"/v1/bundles/{country}", f"/v1/bundles/{country}/signature"):
        response = client.get(path, params=params)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert name in {e["name"] for e in response.json()["errors"]}


def test_a_country_without_information_is_404(client):
    response = client.get("/v1/bundles/AQ")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_stored_bodies_decode_to_the_signed_bytes(client, db):
    body = get_bundle(client).content
    stored = db.get(SyncBundle, ("CO", "*"))
    assert gzip.decompress(stored.body_gzip) == body == brotli.decompress(stored.body_br)
    assert stored.raw_size == len(body)


def test_storage_keeps_the_later_of_two_builds(db):
    def build(seq: int) -> SyncBundle:
        body = f'{{"seq":{seq}}}'.encode()
        return SyncBundle(
            country="AQ",
            langs="*",
            format=1,
            seq=seq,
            key_id="k",
            signature="s",
            sha256=hashlib.sha256(body).hexdigest(),
            raw_size=len(body),
            body_gzip=gzip.compress(body),
            body_br=brotli.compress(body),
            built_at=utcnow(),
        )

    for seq, kept in ((5, 5), (3, 5), (7, 7), (7, 7)):
        repository.store_bundle(db, build(seq))
        assert repository.bundle_meta(db, country="AQ", langs="*").seq == kept
