"""The fixed, translated tag list and the texts of public warnings."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from app.feedback.catalogue import TAGS_FILE

LANGUAGES = {"es", "en", "fr", "pt", "ht"}
REQUIRED = {
    "closed_now",
    "closed_permanently",
    "wrong_location",
    "wrong_phone",
    "wrong_hours",
    "did_not_help",
    "asked_for_money",
    "unsafe",
    "discrimination",
    "very_helpful",
}


def test_seed_file_translates_every_tag_and_warning():
    content = json.loads(TAGS_FILE.read_text(encoding="utf-8"))
    codes = [t["code"] for t in content["tags"]]
    assert len(codes) == len(set(codes)) and set(codes) >= REQUIRED
    for tag in content["tags"]:
        assert set(tag["labels"]) == LANGUAGES, tag["code"]
        assert all(label.strip() for label in tag["labels"].values())
    assert set(content["warnings"]) == {"reported_closed", "reported_wrong_information"}
    for texts in content["warnings"].values():
        assert set(texts) == LANGUAGES


@pytest.mark.parametrize(
    ("lang", "label"),
    [("es", "Está cerrado ahora"), ("en", "Closed right now"), ("ht", "Li fèmen kounye a")],
)
def test_tags_in_the_requested_language(client: TestClient, lang, label):
    response = client.get("/v1/feedback-tags", params={"lang": lang})
    assert response.status_code == 200
    assert response.headers["content-language"] == lang
    assert "max-age" in response.headers["cache-control"]
    body = response.json()
    tags = {t["code"]: t for t in body["items"]}
    assert set(tags) >= REQUIRED
    assert tags["closed_now"] == {
        "code": "closed_now",
        "label": label,
        "scope": "point",
        "signal": "closed",
        "sentiment": "negative",
        "lang": lang,
    }
    assert "signal" not in tags["very_helpful"]
    warnings = {w["code"]: w for w in body["warnings"]}
    assert warnings["reported_closed"]["lang"] == lang


def test_scope_filter_and_fallback(client: TestClient):
    general = client.get("/v1/feedback-tags", params={"scope": "general"}).json()["items"]
    assert general and {t["scope"] for t in general} == {"general"}
    assert "missing_place" in {t["code"] for t in general}
    # German is not translated: labels fall back to the default language (es).
    de = client.get("/v1/feedback-tags", headers={"Accept-Language": "de"}).json()
    assert {t["lang"] for t in de["items"]} == {"es"}
