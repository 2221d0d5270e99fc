"""``/v1/countries/{code}/entry`` against the Passport Index file, on both engines."""

from __future__ import annotations

import random

import pytest

from app.countries.passport_index import load_passport_index
from app.countries.schemas import EntryRead
from tests.countries.helpers import expected_category, raw_requirement

NAMED_PAIRS = [
    ("HT", "PA"),  # Haiti -> Panama
    ("VE", "CL"),  # Venezuela -> Chile
    ("CU", "NI"),  # Cuba -> Nicaragua
    ("IN", "EC"),  # India -> Ecuador
    ("VE", "CO"),
    ("CO", "MX"),
    ("US", "CA"),
    ("NA", "AO"),  # Namibia, never "missing"
    ("CO", "CO"),
]


def _random_pairs(count: int) -> list[tuple[str, str]]:
    index = load_passport_index()
    codes = sorted(index.passports & index.destinations)
    rng = random.Random(20250112)
    return [(rng.choice(codes), rng.choice(codes)) for _ in range(count)]


@pytest.mark.parametrize(("passport", "destination"), NAMED_PAIRS + _random_pairs(25))
def test_answers_match_the_file(client, passport, destination):
    response = client.get(
        f"/v1/countries/{destination.lower()}/entry", params={"nationality": passport.lower()}
    )
    assert response.status_code == 200, response.text
    body = EntryRead.model_validate(response.json())
    category, days = expected_category(raw_requirement(passport, destination))
    assert (body.category.value, body.days) == (category, days)
    assert body.destination.code == destination and body.nationality.code == passport
    assert body.data_date.isoformat() == "2025-01-12"


def test_named_pairs_as_of_the_data_date(client):
    def category(passport, destination):
        response = client.get(f"/v1/countries/{destination}/entry?nationality={passport}")
        return response.json()["category"], response.json().get("days")

    assert category("HT", "PA") == ("visa_required", None)
    assert category("VE", "CL") == ("visa_required", None)
    assert category("CU", "NI") == ("visa_free", 90)
    assert category("IN", "EC") == ("e_visa", None)


@pytest.mark.parametrize(
    ("lang", "words"),
    [("es", "12 de enero de 2025"), ("en", "January 12, 2025"), ("fr", "12 janvier 2025")],
)
def test_every_answer_states_the_data_date(client, lang, words):
    body = client.get("/v1/countries/PA/entry", params={"nationality": "HT", "lang": lang}).json()
    assert words in body["disclaimer"] and body["lang"] == lang
    assert body["source"]["url"] == "https://github.com/ilyankou/passport-index-dataset"


def test_includes_the_destination_general_rules(client):
    body = client.get("/v1/countries/MX/entry", params={"nationality": "VE", "lang": "en"}).json()
    kinds = [r["kind"] for r in body["rules"]]
    assert kinds == ["entry_requirements", "visa_policy", "humanitarian_visas", "asylum"]
    assert all(r["sources"] and r["last_reviewed"] for r in body["rules"])
    assert body["summary"] == "Visa required, obtained before travelling"


def test_pair_missing_from_the_dataset(client):
    body = client.get("/v1/countries/PR/entry", params={"nationality": "CO"}).json()
    assert body["category"] == "no_data" and body["rules"] == []
    assert body["data_date"] == "2025-01-12"
