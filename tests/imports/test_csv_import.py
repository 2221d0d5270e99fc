"""CSV imports through ``POST /v1/imports``: rows validated like the write API, all or nothing."""

from __future__ import annotations

import codecs

from app.service_points.models import ServicePoint
from tests.factories import make_point
from tests.imports.helpers import (
    COLUMNS,
    assert_problem,
    counts,
    csv_bytes,
    editor,
    error_fields,
    points_of,
    post_import,
    row,
)


class TestCreate:
    def test_rows_become_points_of_the_importers_organisation(self, client, db):
        headers, org = editor(client, db)
        rows = [row(0), row(1, phones="+57 300 123 4567; +573001112233", free="no")]
        response = post_import(client, headers, csv_bytes(rows))
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["rows"], report["created"], report["failed"]) == (2, 2, 0)
        assert report["committed"] is True and report["format"] == "csv"
        assert report["organization"] == org.slug
        points = points_of(db, org)
        assert [p.external_id for p in points] == [r["external_id"] for r in rows]
        second = points[1]
        assert second.phones == ["+573001234567", "+573001112233"]
        assert second.free is False and points[0].free is True
        assert second.category_codes == ["shelter", "food"]
        assert {t.lang: t.name for t in second.translations} == {
            "es": rows[1]["name:es"],
            "en": rows[1]["name:en"],
        }
        public = client.get(f"/v1/points/{second.public_id}", params={"lang": "en"})
        assert public.status_code == 200
        assert public.json()["name"] == "Shelter 1"

    def test_reimporting_the_same_file_updates_and_never_duplicates(self, client, db):
        headers, org = editor(client, db)
        rows = [row(0), row(1)]
        assert post_import(client, headers, csv_bytes(rows)).status_code == 200
        versions = {p.external_id: p.version for p in points_of(db, org)}
        again = post_import(client, headers, csv_bytes(rows)).json()
        assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
        rows[1]["description:es"] = "Nueva descripción"
        changed = post_import(client, headers, csv_bytes(rows)).json()
        assert (changed["created"], changed["updated"], changed["unchanged"]) == (0, 1, 1)
        points = points_of(db, org)
        assert len(points) == 2
        after = {p.external_id: p.version for p in points}
        assert after[rows[0]["external_id"]] == versions[rows[0]["external_id"]]
        assert after[rows[1]["external_id"]] > versions[rows[1]["external_id"]]
        texts = {t.lang: t.description for t in points[1].translations}
        assert texts["es"] == "Nueva descripción"

    def test_absent_columns_are_kept_and_empty_cells_clear(self, client, db):
        headers, org = editor(client, db)
        first = row(0)
        assert post_import(client, headers, csv_bytes([first])).status_code == 200
        narrow = ["external_id", "lat", "lon", "country", "categories", "name:es", "phones"]
        update = {**first, "name:es": "Nombre nuevo", "phones": ""}
        response = post_import(client, headers, csv_bytes([update], narrow))
        assert response.json()["updated"] == 1, response.text
        (point,) = points_of(db, org)
        texts = {t.lang: (t.name, t.description) for t in point.translations}
        assert texts["es"] == ("Nombre nuevo", "Atención a personas en tránsito")
        assert texts["en"][0] == "Shelter 0"
        assert point.phones == []
        assert point.opening_hours == "Mo-Fr 08:00-17:00"

    def test_dry_run_validates_and_saves_nothing(self, client, db):
        headers, _ = editor(client, db)
        before = counts(db)
        response = post_import(client, headers, csv_bytes([row(0), row(1)]), dry_run=True)
        assert response.status_code == 200
        report = response.json()
        assert report["dry_run"] is True and report["committed"] is False
        assert report["created"] == 2
        assert counts(db) == before


class TestAllOrNothing:
    def test_an_import_failing_at_its_last_row_leaves_the_database_as_before(self, client, db):
        headers, org = editor(client, db)
        before = counts(db)
        rows = [row(i) for i in range(5)] + [row(5, lat="not a number")]
        body = assert_problem(post_import(client, headers, csv_bytes(rows)), 422)
        assert body["type"] == "/problems/import-rejected"
        assert error_fields(body) == {(7, "lat")}
        assert body["errors"][0]["name"] == "lat"
        assert body["report"]["committed"] is False
        assert counts(db) == before
        assert points_of(db, org) == []

    def test_every_failing_row_and_field_is_reported(self, client, db):
        headers, _ = editor(client, db)
        rows = [
            row(0, country="XX"),
            row(1, categories="shelter; spaceport"),
            row(2, phones="12345"),
            row(3, **{"name:es": "", "name:en": ""}),
            row(4, opening_hours="whenever"),
            row(5, status="open"),
            row(6),
        ]
        body = assert_problem(post_import(client, headers, csv_bytes(rows)), 422)
        fields = error_fields(body)
        assert {(2, "country"), (3, "categories"), (4, "phones"), (6, "opening_hours")} <= fields
        assert (5, "name:es") in fields  # a description without a name
        assert (7, "status") in fields
        assert not any(r == 8 for r, _ in fields)
        assert body["report"]["failed"] == 6 and body["report"]["rows"] == 7
        details = {e["field"]: e["detail"] for e in body["report"]["errors"]}
        assert "spaceport" in details["categories"]

    def test_rows_need_a_stable_id(self, client, db):
        headers, _ = editor(client, db)
        body = assert_problem(
            post_import(client, headers, csv_bytes([row(0, external_id="")])), 422
        )
        assert error_fields(body) == {(2, "external_id")}
        assert "twice" in body["report"]["errors"][0]["detail"]

    def test_the_same_external_id_twice_in_a_file_is_refused(self, client, db):
        headers, _ = editor(client, db)
        rows = [row(0, external_id="dup-1"), row(1, external_id="dup-1")]
        body = assert_problem(post_import(client, headers, csv_bytes(rows)), 422)
        assert body["report"]["errors"][0] == {
            "row": 3,
            "field": "external_id",
            "detail": "'dup-1' is also on row 2",
        }

    def test_ids_of_another_organisation_are_refused(self, client, db):
        headers, _ = editor(client, db)
        other_headers, other = editor(client, db)
        theirs = row(0)
        assert post_import(client, other_headers, csv_bytes([theirs])).status_code == 200
        body = assert_problem(post_import(client, headers, csv_bytes([theirs])), 422)
        assert body["report"]["errors"][0]["field"] == "external_id"
        assert "another organisation" in body["report"]["errors"][0]["detail"]
        assert len(points_of(db, other)) == 1

    def test_a_status_change_the_staff_api_refuses_is_refused(self, client, db):
        headers, _ = editor(client, db)
        first = row(0)
        assert post_import(client, headers, csv_bytes([first])).status_code == 200
        body = assert_problem(
            post_import(client, headers, csv_bytes([{**first, "status": "draft"}])), 422
        )
        assert error_fields(body) == {(2, "status")}

    def test_nul_characters_are_refused(self, client, db):
        headers, _ = editor(client, db)
        body = assert_problem(
            post_import(client, headers, csv_bytes([row(0, **{"name:es": "a\x00b"})])), 422
        )
        assert error_fields(body) == {(2, "name:es")}


class TestSpreadsheetQuirks:
    def test_utf8_with_bom_and_semicolons(self, client, db):
        headers, org = editor(client, db)
        body = codecs.BOM_UTF8 + csv_bytes(
            [row(0, **{"name:es": "Niñez y adolescencia"})], delimiter=";"
        )
        report = post_import(client, headers, body).json()
        assert (report["encoding"], report["delimiter"], report["created"]) == ("utf-8-sig", ";", 1)
        (point,) = points_of(db, org)
        assert {t.lang: t.name for t in point.translations}["es"] == "Niñez y adolescencia"

    def test_latin1_is_detected_and_said(self, client, db):
        headers, org = editor(client, db)
        body = csv_bytes(
            [row(0, **{"name:es": "Atención niños"}, lat="8,4262")],
            delimiter=";",
            encoding="cp1252",
        )
        response = post_import(client, headers, body)
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["encoding"] == "cp1252"
        assert any("not valid UTF-8" in n for n in report["notes"])
        (point,) = points_of(db, org)
        assert point.lat == 8.4262
        assert {t.lang: t.name for t in point.translations}["es"] == "Atención niños"

    def test_tab_separated_with_column_aliases(self, client, db):
        headers, org = editor(client, db)
        data = row(0)
        columns = [
            "external_id",
            "Latitude",
            "Longitude",
            "Country",
            "Category",
            "Name:ES",
            "notes",
        ]
        values = {
            "external_id": data["external_id"], "Latitude": data["lat"], "Longitude": data["lon"],
            "Country": "co", "Category": "shelter", "Name:ES": "Albergue", "notes": "internal",
        }  # fmt: skip
        report = post_import(client, headers, csv_bytes([values], columns, delimiter="\t")).json()
        assert report["created"] == 1 and report["delimiter"] == "\t"
        assert report["ignored"] == ["notes"]
        (point,) = points_of(db, org)
        assert (point.country, point.original_language) == ("CO", "es")

    def test_missing_required_columns_name_them(self, client, db):
        headers, _ = editor(client, db)
        columns = [c for c in COLUMNS if c not in ("lat", "categories")]
        body = assert_problem(post_import(client, headers, csv_bytes([row(0)], columns)), 422)
        detail = body["report"]["errors"][0]["detail"]
        assert body["report"]["errors"][0]["row"] == 1
        assert "'lat'" in detail and "'categories'" in detail

    def test_a_wrong_delimiter_reads_as_one_column_and_says_what_is_missing(self, client, db):
        headers, _ = editor(client, db)
        body = csv_bytes([row(0)]).replace(b",", b"#")
        problem = assert_problem(post_import(client, headers, body), 422)
        assert "missing required column" in problem["report"]["errors"][0]["detail"]

    def test_unquoted_delimiters_in_cells_are_row_errors(self, client, db):
        headers, _ = editor(client, db)
        good = csv_bytes([row(0)]).decode()
        bad_line = csv_bytes([row(1)]).decode().splitlines()[1] + ",extra,cells"
        body = assert_problem(post_import(client, headers, (good + bad_line + "\n").encode()), 422)
        assert error_fields(body) == {(3, "row")}

    def test_an_empty_file_is_a_clear_error(self, client, db):
        headers, _ = editor(client, db)
        body = assert_problem(post_import(client, headers, b"\n\n"), 422)
        assert "empty" in body["report"]["errors"][0]["detail"]

    def test_formula_cells_are_stored_as_text(self, client, db):
        headers, org = editor(client, db)
        formula = '=HYPERLINK("http://example.com/x","pulse aquí")'
        response = post_import(client, headers, csv_bytes([row(0, **{"description:es": formula})]))
        assert response.status_code == 200, response.text
        (point,) = points_of(db, org)
        assert {t.lang: t.description for t in point.translations}["es"] == formula


class TestPlaceChecks:
    def test_swapped_lat_lon_is_an_error_that_says_so(self, client, db):
        headers, _ = editor(client, db)
        body = assert_problem(
            post_import(client, headers, csv_bytes([row(0, lat="-76.7838", lon="8.4262")])), 422
        )
        (error,) = body["report"]["errors"]
        assert error["field"] == "lat" and "swapped" in error["detail"]

    def test_a_point_in_another_country_is_an_error(self, client, db):
        headers, _ = editor(client, db)
        body = assert_problem(
            post_import(client, headers, csv_bytes([row(0, lat="9.0", lon="-79.5")])), 422
        )
        assert "falls in PA, not in CO" in body["report"]["errors"][0]["detail"]

    def test_a_point_just_across_a_border_is_a_warning(self, client, db):
        headers, _ = editor(client, db)
        # Puerto Obaldía (Panama), a couple of kilometres from the Colombian border.
        response = post_import(client, headers, csv_bytes([row(0, lat="8.668", lon="-77.417")]))
        assert response.status_code == 200, response.text
        (warning,) = response.json()["warnings"]
        assert warning["field"] == "lat" and "border" in warning["detail"]

    def test_likely_duplicates_are_flagged_not_merged(self, client, db):
        headers, org = editor(client, db)
        existing = make_point(
            db,
            org,
            lat=8.4262,
            lon=-76.7838,
            categories=["shelter"],
            translations={"es": {"name": "Albergue San José de Necoclí"}},
            original_language="es",
        )
        near = row(0, lat="8.42625", **{"name:es": "Albergue San Jose de Necocli", "name:en": ""})
        far = row(5, **{"name:es": "Albergue San José de Necoclí"})
        report = post_import(client, headers, csv_bytes([near, far])).json()
        assert report["created"] == 2
        (duplicate,) = report["possible_duplicates"]
        assert duplicate["row"] == 2 and duplicate["point_id"] == existing.public_id
        assert duplicate["distance_m"] < 10 and duplicate["similarity"] >= 85
        assert len(points_of(db, org)) == 3

    def test_duplicates_within_one_file_are_flagged(self, client, db):
        headers, _ = editor(client, db)
        first = row(0, **{"name:es": "Comedor comunitario La Esperanza"})
        second = row(0, lat="8.42622", **{"name:es": "Comedor La Esperanza", "name:en": ""})
        report = post_import(client, headers, csv_bytes([first, second])).json()
        assert [d["row"] for d in report["possible_duplicates"]] == [3]

    def test_other_organisations_drafts_are_not_revealed_as_duplicates(self, client, db):
        headers, _ = editor(client, db)
        _, other = editor(client, db)
        make_point(db, other, status="draft", translations={"es": {"name": "Albergue secreto"}})
        point = db.query(ServicePoint).filter_by(organization_id=other.id).one()
        same = row(0, lat=str(point.lat), lon=str(point.lon), **{"name:es": "Albergue secreto"})
        report = post_import(client, headers, csv_bytes([same])).json()
        assert report["possible_duplicates"] == []
