"""Opening hours in the console: the readable preview and its JSON endpoint."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.console import hours_text
from app.service_points.hours import InvalidOpeningHours
from tests.console.helpers import staff

URL = "/console/api/opening-hours"


class TestDescribe:
    @pytest.mark.parametrize(
        ("expression", "lang", "lines"),
        [
            ("Mo-Fr 08:00-17:00", "en", ["Mon–Fri: 08:00–17:00"]),
            ("Mo-Fr 08:00-17:00", "es", ["Lun–vie: 08:00–17:00"]),
            ("Mo-Fr 08:00-17:00", "fr", ["Lun.–ven.: 08:00–17:00"]),
            (
                "Mo-Fr 08:00-12:00,13:00-17:00; Sa 09:00-12:00; PH off",
                "en",
                [
                    "Mon–Fri: 08:00–12:00, 13:00–17:00",
                    "Sat: 09:00–12:00",
                    "Public holidays: closed",
                ],
            ),
            ("24/7", "fr", ["Ouvert 24 h sur 24, tous les jours"]),
            ("08:00-20:00", "en", ["Every day: 08:00–20:00"]),
            ("Mo-Su 08:00-20:00", "es", ["Todos los días: 08:00–20:00"]),
            ("Mo-Fr 08:00-12:00; We off", "en", ["Mon–Tue, Thu–Fri: 08:00–12:00"]),
            ("Fr 22:00-02:00", "en", ["Fri: 22:00–02:00"]),
            ('Sa 09:00-12:00 "con cita"', "en", ['Sat: 09:00–12:00 — "con cita"']),
            ("Mo 10:00-12:00 unknown", "en", ["Mon: 10:00–12:00 (hours to be confirmed)"]),
        ],
    )
    def test_plain_descriptions(self, expression, lang, lines):
        assert hours_text.describe(expression, lang).lines == lines

    @pytest.mark.parametrize(
        "expression",
        [
            "sunrise-sunset",
            "Jan-Mar Mo 10:00-12:00",
            "Mo[1] 10:00-12:00",
            "Mo-Fr 08:00+",
            "Mo 08:00-12:00 || Tu 10:00-11:00",
            "week 1-10 Mo 10:00-12:00",
        ],
    )
    def test_what_cannot_be_said_plainly_is_not_guessed(self, expression):
        preview = hours_text.describe(expression, "en")
        assert preview.lines is None and preview.expression == expression.strip()

    @pytest.mark.parametrize("expression", ["nonsense", "Mo-Fr 25:00-99:00", "", "x" * 501])
    def test_invalid_expressions_raise(self, expression):
        with pytest.raises(InvalidOpeningHours):
            hours_text.describe(expression, "en")
        assert hours_text.syntax_error(expression)


class TestEndpoint:
    def test_preview_in_the_console_language(self, console: TestClient, db: Session):
        staff(console, db)
        response = console.get(URL, params={"expression": " Mo-Fr 08:00-17:00; PH off "})
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-store"
        body = response.json()
        assert body == {
            "expression": "Mo-Fr 08:00-17:00; PH off",
            "normalized": "Mo-Fr 08:00-17:00; PH closed",
            "lines": ["Lun–vie: 08:00–17:00", "Festivos: cerrado"],
            "lang": "es",
        }
        french = console.get(URL, params={"expression": "Sa 09:00-12:00", "lang": "fr"}).json()
        assert french["lines"] == ["Sam.: 09:00–12:00"] and french["lang"] == "fr"
        raw = console.get(URL, params={"expression": "sunrise-sunset"}).json()
        assert raw["lines"] is None and raw["normalized"] == "sunrise-sunset"

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"expression": "whenever we feel like it"}, "expression"),
            ({"expression": "Mo-Fr 25:00-99:00"}, "expression"),
            ({"expression": "x" * 501}, "expression"),
            ({}, "expression"),
            ({"expression": "24/7", "lang": "de"}, "lang"),
        ],
    )
    def test_bad_input_is_a_problem_naming_the_field(
        self, console: TestClient, db: Session, params, field
    ):
        staff(console, db)
        response = console.get(URL, params=params)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["name"] for e in response.json()["errors"]] == [field]

    def test_needs_a_console_session(self, console: TestClient):
        response = console.get(URL, params={"expression": "24/7"})
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "Cookie" in response.headers["www-authenticate"]

    def test_the_editor_shows_the_preview_without_script(self, console: TestClient, db: Session):
        staff(console, db)
        page = console.get("/console/points/new")
        assert 'data-preview="/console/api/opening-hours"' in page.text
        assert 'aria-live="polite"' in page.text
