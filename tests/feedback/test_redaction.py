"""Redaction of contact details and cleaning of comment text (units)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.feedback.inputs import FeedbackCreate, clean_comment
from app.feedback.privacy import redact


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("llamen al 312 555 0199", "CO", "llamen al [phone]"),
        ("whatsapp +57 (312) 555-0199 ya", None, "whatsapp [phone] ya"),
        ("tel 6123-4567", "PA", "tel [phone]"),
        ("Mwen rele 509 3712 3456", "HT", "Mwen rele [phone]"),
        ("wa.me/50761234567", None, "wa.me/[phone]"),
        ("escribe a ana@example.com!", None, "escribe a [email]!"),
        ("ana (at) correo (dot) com", None, "[email]"),
        ("luis[at]mail[dot]org", None, "[email]"),
        (
            "abren 8:00-17:00, 45 camas, habitación 12",
            "CO",
            "abren 8:00-17:00, 45 camas, habitación 12",
        ),
        ("cuesta 20000 pesos", "CO", "cuesta 20000 pesos"),
    ],
)
def test_redact(text, region, expected):
    assert redact(text, region=region).text == expected


def test_flags_say_what_was_removed():
    result = redact("ana@example.com o 312 555 0199", region="CO")
    assert result.flags == ["email_redacted", "phone_redacted"]
    assert redact("todo bien", region="CO").flags == []


def test_published_numbers_are_kept():
    result = redact(
        "el 601 2345678 no sirve, llamen al 312 555 0199",
        region="CO",
        published=["+57 601 2345678"],
    )
    assert result.text == "el 601 2345678 no sirve, llamen al [phone]"


def test_clean_comment():
    assert (
        clean_comment("  hola\x00 \x1b[31mmundo\u200b  \r\n\r\n\r\n\r\nfin ")
        == "hola [31mmundo\n\nfin"
    )
    assert clean_comment(" \t\n ") is None
    assert clean_comment("Cafe\u0301") == "Café"
    with pytest.raises(ValueError, match="not valid Unicode"):
        clean_comment("broken \ud800")


def test_surrogates_are_refused_by_the_schema():
    with pytest.raises(ValidationError) as info:
        FeedbackCreate.model_validate({"comment": "x \udfff"})
    assert info.value.errors()[0]["loc"] == ("comment",)
