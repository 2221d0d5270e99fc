"""``GET /v1/sync``: snapshots, deltas with tombstones, cursors, languages, scopes."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import orjson
import pytest
from cryptography.exceptions import InvalidSignature
from sqlalchemy import select

from app.countries.models import CountrySectionTranslation
from app.feedback.models import FeedbackTagTranslation
from app.service_points import writing
from app.service_points.inputs import ServicePointUpdate, TranslationInput
from app.service_points.models import PointStatus
from app.sync import cursor as cursors
from app.sync import service as sync_service
from app.sync.scope import Languages, Scope
from app.taxonomy.models import Category, CategoryTranslation
from tests.factories import make_organization, make_point
from tests.sync.helpers import Replica, public_points, replica_points, sync, verify_page

SCRATCH = "AQ"  # a country no seed record uses


def _delta(client: Any, cursor: str, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/sync", params={"since": cursor, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["more"] is False
    return body


def _walk(value: Any, path: str = "") -> list[str]:
    """Paths of null or empty values inside objects."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if item is None or item in ("", [], {}):
                found.append(f"{path}/{key}")
            found.extend(_walk(item, f"{path}/{key}"))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(_walk(item, f"{path}/{i}"))
    return found


class TestSnapshot:
    def test_pages_hold_every_public_point_of_the_country_once(self, client, db):
        replica = Replica()
        pages = sync(client, replica, country="CO", lang="es,en", limit=7, verify=True)
        assert len(pages) > 2
        assert pages[0]["reset"] is True and all("reset" not in p for p in pages[1:])
        sent = [p["id"] for page in pages for p in page.get("points", [])]
        assert len(sent) == len(set(sent))
        expected = public_points(db, country="CO")
        assert set(sent) == set(expected)
        for key, point in replica_points(replica).items():
            assert point["status"] == expected[key]["status"]
            assert point["names"].items() <= expected[key]["names"].items()

    def test_first_page_carries_the_taxonomy_and_the_country(self, client):
        page = client.get("/v1/sync", params={"country": "CO", "lang": "es"}).json()
        assert {c["code"] for c in page["categories"]} >= {"shelter"}
        assert page["audiences"] and page["feedback_tags"]
        assert [c["code"] for c in page["countries"]] == ["CO"]
        assert set(page["countries"][0]["details"]) == {"es"}

    def test_no_nulls_or_empty_fields(self, client):
        page = client.get("/v1/sync", params={"country": "CO", "lang": "es,en,fr"}).json()
        assert _walk(page) == []

    def test_map_area_holds_the_points_inside_it(self, client, db):
        area = (-77.5, 7.5, -76.0, 9.0)
        replica = Replica()
        sync(client, replica, bbox=",".join(map(str, area)), lang="es", limit=50)
        inside = {
            key
            for key, p in public_points(db, country="CO").items()
            if area[1] <= p["location"]["lat"] <= area[3]
            and area[0] <= p["location"]["lon"] <= area[2]
        }
        assert inside and set(replica.records["points"]) == inside
        assert not replica.records["countries"]


class TestDelta:
    def test_nothing_changed_is_a_tiny_page_with_the_same_cursor(self, client):
        replica = Replica()
        sync(client, replica, country="CO", lang="es")
        response = client.get(
            "/v1/sync", params={"country": "CO", "lang": "es", "since": replica.cursor}
        )
        body = response.json()
        assert set(body) == {
            "format",
            "country",
            "langs",
            "generated_at",
            "expires_at",
            "cursor",
            "more",
        }
        assert body["cursor"] == replica.cursor
        assert len(response.content) < 300
        again = client.get(
            "/v1/sync",
            params={"country": "CO", "lang": "es", "since": replica.cursor},
            headers={"If-None-Match": response.headers["etag"]},
        )
        assert again.status_code == 304

    def test_each_change_reaches_the_client_as_a_record_or_a_tombstone(self, client, db):
        org = make_organization(db)
        point = make_point(db, org, country=SCRATCH, lat=-75.1, lon=123.3)
        pid = point.public_id
        db.commit()
        replica = Replica()
        sync(client, replica, country=SCRATCH, lang="es,fr")
        assert pid in replica.records["points"]

        def step(change: Any) -> dict[str, Any]:
            change()
            db.commit()
            body = _delta(client, replica.cursor, country=SCRATCH, lang="es,fr")
            replica.apply(body)
            return body

        body = step(lambda: writing.update_point(db, point, ServicePointUpdate(locality="Base")))
        assert [p["locality"] for p in body["points"]] == ["Base"]
        body = step(lambda: writing.put_translation(db, point, "fr", TranslationInput(name="Abri")))
        assert body["points"][0]["texts"]["fr"]["name"] == "Abri"
        body = step(lambda: writing.delete_translation(db, point, "fr"))
        assert "fr" not in body["points"][0]["texts"]
        body = step(lambda: writing.set_status(db, point, PointStatus.draft))
        assert body["deleted"] == {"points": [pid]} and "points" not in body
        body = step(lambda: writing.set_status(db, point, PointStatus.temporarily_closed))
        assert body["points"][0]["status"] == "temporarily_closed"
        body = step(lambda: writing.set_status(db, point, PointStatus.permanently_closed))
        assert body["deleted"] == {"points": [pid]}
        body = step(lambda: writing.set_status(db, point, PointStatus.published))
        assert [p["id"] for p in body["points"]] == [pid]
        moved = ServicePointUpdate(lat=8.5, lon=-76.8, country="CO")
        body = step(lambda: writing.update_point(db, point, moved))
        assert body["deleted"] == {"points": [pid]}
        back = ServicePointUpdate(lat=-75.1, lon=123.3, country=SCRATCH)
        body = step(lambda: writing.update_point(db, point, back))
        assert [p["id"] for p in body["points"]] == [pid]
        body = step(lambda: writing.soft_delete(db, point))
        assert body["deleted"] == {"points": [pid]}
        assert pid not in replica.records["points"]

    def test_a_purged_point_leaves_a_tombstone(self, client, db):
        org = make_organization(db)
        point = make_point(db, org, country=SCRATCH, lat=-75.1, lon=123.3)
        pid = point.public_id
        db.commit()
        replica = Replica()
        sync(client, replica, country=SCRATCH, lang="es")
        db.delete(point)
        db.commit()
        body = _delta(client, replica.cursor, country=SCRATCH, lang="es")
        assert body["deleted"] == {"points": [pid]}

    def test_a_point_moving_in_arrives_in_the_new_country(self, client, db):
        org = make_organization(db)
        point = make_point(db, org, country="CO")
        db.commit()
        replica = Replica()
        sync(client, replica, country=SCRATCH, lang="es")
        writing.update_point(db, point, ServicePointUpdate(lat=-75.1, lon=123.3, country=SCRATCH))
        db.commit()
        body = _delta(client, replica.cursor, country=SCRATCH, lang="es")
        assert [p["id"] for p in body["points"]] == [point.public_id]

    def test_taxonomy_changes_reach_every_scope(self, client, db):
        replica = Replica()
        sync(client, replica, country=SCRATCH, lang="es")
        shelter = db.get(Category, "shelter")
        es = next(t for t in shelter.translations if t.lang == "es")
        es.name = "Refugio"
        db.add(
            Category(code="tmp_cat", translations=[CategoryTranslation(lang="es", name="Temporal")])
        )
        db.commit()
        body = _delta(client, replica.cursor, country=SCRATCH, lang="es")
        names = {c["code"]: c["texts"]["es"]["name"] for c in body["categories"]}
        assert names == {"shelter": "Refugio", "tmp_cat": "Temporal"}
        replica.apply(body)
        area = Replica()
        sync(client, area, bbox="-10,-10,10,10", lang="es")
        db.delete(db.get(Category, "tmp_cat"))
        db.commit()
        for cursor, params in (
            (replica.cursor, {"country": SCRATCH}),
            (area.cursor, {"bbox": "-10,-10,10,10"}),
        ):
            body = _delta(client, cursor, lang="es", **params)
            assert body["deleted"] == {"categories": ["tmp_cat"]}

    def test_feedback_tag_and_country_information_changes(self, client, db):
        replica = Replica()
        sync(client, replica, country="CO", lang="es")
        tag = db.scalars(
            select(FeedbackTagTranslation).where(FeedbackTagTranslation.lang == "es")
        ).first()
        tag.label = "Etiqueta cambiada"
        section = db.scalars(
            select(CountrySectionTranslation).where(
                CountrySectionTranslation.country_code == "CO",
                CountrySectionTranslation.lang == "es",
            )
        ).first()
        section.title = "Título cambiado"
        db.commit()
        body = _delta(client, replica.cursor, country="CO", lang="es")
        assert [t["texts"]["es"]["label"] for t in body["feedback_tags"]] == ["Etiqueta cambiada"]
        titles = [s["title"] for s in body["countries"][0]["details"]["es"]["sections"]]
        assert "Título cambiado" in titles
        # Another country's clients are not sent Colombia's information.
        other = Replica()
        sync(client, other, country="PA", lang="es")
        section.title = "Otra vez"
        db.commit()
        assert "countries" not in _delta(client, other.cursor, country="PA", lang="es")

    def test_renaming_an_organisation_resends_its_points(self, client, db):
        org = make_organization(db)
        point = make_point(db, org, country=SCRATCH, lat=-75.1, lon=123.3)
        db.commit()
        replica = Replica()
        sync(client, replica, country=SCRATCH, lang="es")
        org.name = "Renamed organisation"
        db.commit()
        body = _delta(client, replica.cursor, country=SCRATCH, lang="es")
        assert [(p["id"], p["organization"]["name"]) for p in body["points"]] == [
            (point.public_id, "Renamed organisation")
        ]


class TestLanguages:
    def test_requested_languages_and_the_original(self, client):
        page = client.get("/v1/sync", params={"country": "CO", "lang": "fr"}).json()
        assert page["langs"] == ["fr"]
        for point in page["points"]:
            assert set(point["texts"]) <= {"fr", point["original_language"]}
            assert point["original_language"] in point["texts"]

    def test_accept_language_when_no_lang(self, client):
        response = client.get(
            "/v1/sync", params={"country": "CO"}, headers={"Accept-Language": "fr-CA, en;q=0.5"}
        )
        assert response.json()["langs"] == ["fr", "en"]
        assert "Accept-Language" in response.headers["vary"]

    def test_haitian_creole_falls_back_to_french_as_the_points_api_does(self, client, db):
        texts = {
            "es": {"name": "Albergue", "description": "En español"},
            "fr": {"name": "Refuge", "description": "En français"},
        }
        point = make_point(
            db, make_organization(db), country=SCRATCH, lat=-75.0, lon=120.0, translations=texts
        )
        db.commit()
        # The points API answers an ``ht`` reader in French, and says so.
        read = client.get(f"/v1/points/{point.public_id}", params={"lang": "ht"})
        assert read.headers["content-language"] == "fr"
        # Sync sends the French texts too, keyed by their language, beside the original.
        page = client.get("/v1/sync", params={"country": SCRATCH, "lang": "ht"}).json()
        assert page["langs"] == ["ht"]
        (record,) = page["points"]
        assert set(record["texts"]) == {"fr", "es"}
        assert record["texts"]["fr"]["name"] == "Refuge"
        # Categories carry their French texts beside the Haitian Creole ones (fields that
        # have no Creole text fall back to French offline too).
        shelter = next(c for c in page["categories"] if c["code"] == "shelter")
        assert set(shelter["texts"]) == {"ht", "fr"}
        # And so does the country's bundle.
        bundle = client.get(f"/v1/bundles/{SCRATCH}", params={"lang": "ht"}).json()
        assert bundle["langs"] == ["ht"]
        (record,) = bundle["points"]
        assert set(record["texts"]) == {"fr", "es"}

    def test_a_regional_variant_is_served_in_its_base_language(self, client):
        assert client.get("/v1/sync", params={"country": "CO", "lang": "fr-CA"}).json()[
            "langs"
        ] == ["fr"]


class TestCursors:
    def test_cursor_older_than_the_kept_history_asks_for_a_full_resync(self, client, db):
        replica = Replica()
        sync(client, replica, country=SCRATCH, lang="es")
        org = make_organization(db)
        make_point(db, org, country=SCRATCH, lat=-75.1, lon=123.3)
        db.commit()
        horizon, removed = sync_service.prune(db, older_than=dt.timedelta(0))
        db.commit()
        assert removed > 0 and horizon > 0
        response = client.get(
            "/v1/sync", params={"country": SCRATCH, "lang": "es", "since": replica.cursor}
        )
        assert response.status_code == 410
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["full_resync"] is True and body["type"] == "/problems/sync-cursor-expired"
        # A full resync works and ends with a cursor that is accepted.
        fresh = Replica()
        sync(client, fresh, country=SCRATCH, lang="es")
        assert _delta(client, fresh.cursor, country=SCRATCH, lang="es")["cursor"] == fresh.cursor

    def test_cursor_of_another_database_asks_for_a_full_resync(self, client):
        scope, languages = Scope(country="CO"), Languages(tags=("es",))
        foreign = cursors.encode(
            cursors.SyncCursor(since=1),
            epoch="0" * 32,
            fingerprint=cursors.fingerprint(scope, languages),
        )
        response = client.get("/v1/sync", params={"country": "CO", "lang": "es", "since": foreign})
        assert response.status_code == 410 and response.json()["full_resync"] is True

    def test_cursor_ahead_of_the_server_asks_for_a_full_resync(self, client):
        replica = Replica()
        sync(client, replica, country="CO", lang="es")
        epoch, position = cursors.decode(
            replica.cursor,
            fingerprint=cursors.fingerprint(Scope(country="CO"), Languages(tags=("es",))),
        )
        ahead = cursors.encode(
            cursors.SyncCursor(since=position.since + 1000),
            epoch=epoch,
            fingerprint=cursors.fingerprint(Scope(country="CO"), Languages(tags=("es",))),
        )
        response = client.get("/v1/sync", params={"country": "CO", "lang": "es", "since": ahead})
        assert response.status_code == 410

    def test_cursor_of_another_scope_or_language_set_is_refused(self, client):
        replica = Replica()
        sync(client, replica, country="CO", lang="es")
        for params in ({"country": "PA", "lang": "es"}, {"country": "CO", "lang": "en"}):
            response = client.get("/v1/sync", params={**params, "since": replica.cursor})
            assert response.status_code == 422
            assert [e["name"] for e in response.json()["errors"]] == ["since"]


class TestSignature:
    def test_every_page_verifies_and_a_changed_byte_does_not(self, client):
        response = client.get("/v1/sync", params={"country": "CO", "lang": "es", "limit": 5})
        verify_page(client, response)
        tampered = bytearray(response.content)
        tampered[len(tampered) // 2] ^= 0x01

        class Altered:
            headers = response.headers
            content = bytes(tampered)

        with pytest.raises(InvalidSignature):
            verify_page(client, Altered)


BAD_INPUT = [
    ({}, "country"),
    ({"country": "XX"}, "country"),
    ({"country": "Colombia"}, "country"),
    ({"country": "CO", "bbox": "0,0,1,1"}, "bbox"),
    ({"bbox": "1,2,3"}, "bbox"),
    ({"bbox": "0,10,1,5"}, "bbox"),
    ({"bbox": "a,b,c,d"}, "bbox"),
    ({"country": "CO", "limit": 0}, "limit"),
    ({"country": "CO", "limit": 10**6}, "limit"),
    ({"country": "CO", "limit": "lots"}, "limit"),
    ({"country": "CO", "lang": "zz-!!"}, "lang"),
    ({"country": "CO", "lang": "de"}, "lang"),
    ({"country": "CO", "lang": ","}, "lang"),
    ({"country": "CO", "lang": "es,en,fr,pt,ht,es-419,fr-CA,de"}, "lang"),
    ({"country": "CO", "since": "not a cursor!"}, "since"),
    ({"country": "CO", "since": "eyJhIjoxfQ"}, "since"),
    ({"country": "CO", "since": "x" * 600}, "since"),
]


@pytest.mark.parametrize(("params", "name"), BAD_INPUT)
def test_bad_input_is_a_problem_naming_the_parameter(client, params, name):
    response = client.get("/v1/sync", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert name in {e["name"] for e in response.json()["errors"]}
    assert response.headers["cache-control"] == "no-store"


def test_malformed_cursor_payloads_are_422_not_500(client):
    scope, languages = Scope(country="CO"), Languages(tags=("es",))
    fingerprint = cursors.fingerprint(scope, languages)
    for payload in (
        {"e": "x", "f": fingerprint, "s": -1},
        {"e": "x", "f": fingerprint, "s": "1"},
        {"e": "x", "f": fingerprint, "s": 5, "h": 3},
        {"e": "x", "f": fingerprint, "s": 1, "q": 2},
        {"e": "x", "f": fingerprint, "s": 1, "p": 2},
        {"e": 1, "f": fingerprint, "s": 1},
        [1, 2],
    ):
        raw = base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")
        response = client.get("/v1/sync", params={"country": "CO", "lang": "es", "since": raw})
        assert response.status_code == 422, (payload, response.text)
