"""HSDS 3 imports: the Open Referral example dataset in, and the same service back out."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import phonenumbers

from app.hsds.documents import SCHEMA_DIR
from tests.hsds.validation import assert_valid
from tests.imports.helpers import assert_problem, editor, error_fields, points_of, post_import

EXAMPLE = SCHEMA_DIR / "examples"
# The upstream example places its location at latitude 100, longitude 101 (out of range);
# these are real coordinates in the United States, the country of its address.
PLACE = {"latitude": "40.7128", "longitude": "-74.006"}


def example_package(place: dict[str, str] | None = PLACE) -> bytes:
    """The example tabular data package as a zip, with the location moved to ``place``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((EXAMPLE / "csv").iterdir()):
            data = path.read_bytes()
            if path.name == "locations.csv" and place:
                rows = list(csv.DictReader(io.StringIO(data.decode())))
                for row in rows:
                    row.update(place)
                out = io.StringIO()
                writer = csv.DictWriter(out, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
                data = out.getvalue().encode()
            archive.writestr(f"hsds-example/{path.name}", data)
    return buffer.getvalue()


def _e164(number: str) -> str:
    parsed = phonenumbers.parse(number.strip('"'), None)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def projection(service: dict[str, Any]) -> dict[str, Any]:
    """What Rumbo keeps of an HSDS service, in one comparable shape."""
    sal = service["service_at_locations"][0]
    location = sal["location"]
    address = location["addresses"][0]
    return {
        "service_at_location_id": sal["id"],
        "name": service["name"],
        "description": service["description"].strip(),
        "url": service["url"],
        "email": service["email"],
        "status": service["status"],
        "phones": sorted(_e164(p["number"]) for p in service["phones"]),
        "languages": sorted(lang["code"] for lang in service["languages"]),
        "latitude": float(location["latitude"]),
        "longitude": float(location["longitude"]),
        "country": address["country"],
        "city": address["city"],
        "street": ", ".join(filter(None, [address["address_1"], address.get("address_2")])),
        "accessibility": "\n".join(
            t
            for a in location.get("accessibility", [])
            for t in (a.get("description"), a.get("details"))
            if t
        ),
        "documents": "\n".join(d["document"] for d in service["required_documents"]),
        "free": all(float(o.get("amount", 1)) == 0 for o in service["cost_options"]),
    }


class TestExampleDataset:
    def test_the_example_package_imports_cleanly_and_exports_back_equal(self, client, db):
        headers, org = editor(client, db)
        response = post_import(
            client,
            headers,
            example_package(),
            "application/zip",
            lang="en",
            default_category="health_mental",
        )
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["format"], report["created"], report["failed"]) == ("hsds", 1, 0)
        assert report["errors"] == []
        # What Rumbo has no place for is listed, not dropped in silence.
        assert {"service.wait_time", "service.eligibility_description", "organizations.csv"} <= set(
            report["ignored"]
        )
        # The example's schedule restricts weeks and month days: kept out, and said so.
        assert [w["field"] for w in report["warnings"]] == ["opening_hours"]

        (point,) = points_of(db, org)
        exported = client.get(f"/hsds/services/{point.public_id}", params={"lang": "en"})
        assert exported.status_code == 200
        assert_valid(exported.json(), "compiled/service_with_definitions.json")
        original = json.loads((EXAMPLE / "service_full.json").read_text(encoding="utf-8"))
        original["service_at_locations"][0]["location"].update(
            {k: float(v) for k, v in PLACE.items()}
        )
        assert projection(exported.json()) == projection(original)

        again = post_import(
            client, headers, example_package(), "application/zip", lang="en",
            default_category="health_mental",
        ).json()  # fmt: skip
        assert (again["created"], again["unchanged"]) == (0, 1)

    def test_the_unmodified_example_is_refused_at_its_latitude(self, client, db):
        headers, org = editor(client, db)
        response = post_import(
            client, headers, example_package(None), "application/zip", lang="en",
            default_category="health_mental",
        )  # fmt: skip
        body = assert_problem(response, 422)
        assert error_fields(body) == {(1, "lat")}
        assert (
            body["report"]["errors"][0]["ref"]
            == "service 'Community Counselling' at 'MyCity Civic Center'"
        )
        assert points_of(db, org) == []

    def test_without_a_category_the_row_says_what_to_do(self, client, db):
        headers, _ = editor(client, db)
        body = assert_problem(
            post_import(client, headers, example_package(), "application/zip"), 422
        )
        assert error_fields(body) == {(1, "categories")}

    def test_the_nested_json_example_imports_too(self, client, db):
        headers, org = editor(client, db)
        service = json.loads((EXAMPLE / "service_full.json").read_text(encoding="utf-8"))
        service["service_at_locations"][0]["location"].update(
            {k: float(v) for k, v in PLACE.items()}
        )
        body = json.dumps({"total_items": 1, "contents": [service]}).encode()
        response = post_import(
            client, headers, body, "application/json", lang="en", default_category="health_mental"
        )
        assert response.status_code == 200, response.text
        (point,) = points_of(db, org)
        assert point.public_id == service["service_at_locations"][0]["id"]
        assert {t.lang for t in point.translations} == {"en"}


class TestHsdsShapes:
    def test_services_without_a_place_are_skipped_and_reported(self, client, db):
        headers, org = editor(client, db)
        hotline = {
            "id": "0d1e4a52-5b1d-4c51-9d0b-0c0a9f0e0a11",
            "name": "Hotline",
            "status": "active",
        }
        body = json.dumps([hotline]).encode()
        report = post_import(
            client, headers, body, "application/json", default_category="information_point"
        ).json()
        assert (report["rows"], report["skipped"], report["created"]) == (1, 1, 0)
        assert "needs a place" in report["warnings"][0]["detail"]
        assert points_of(db, org) == []

    def test_broken_hsds_json_is_a_clear_error(self, client, db):
        headers, _ = editor(client, db)
        body = assert_problem(
            post_import(
                client, headers, b'[{"id": "x", "name": ', "application/json", format="hsds"
            ),
            422,
        )
        assert "broken JSON" in body["report"]["errors"][0]["detail"]

    def test_a_json_object_that_is_no_service(self, client, db):
        headers, _ = editor(client, db)
        body = assert_problem(
            post_import(client, headers, b'{"hello": "world"}', "application/json"), 422
        )
        assert "not HSDS" in body["report"]["errors"][0]["detail"]


def test_the_example_folder_is_a_complete_package():
    names = {p.name for p in Path(EXAMPLE / "csv").iterdir()}
    assert {"services.csv", "locations.csv", "service_at_location.csv", "datapackage.json"} <= names
