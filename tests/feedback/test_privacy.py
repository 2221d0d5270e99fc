"""Privacy: after feedback has gone through submission, moderation and public reads, no table,
no log line and no rate-limit key holds the client's address, its daily key, or a phone
number or e-mail address written in a comment."""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from app.db import utcnow
from app.feedback.privacy import client_key
from tests.feedback.helpers import accepted, moderator_of, published_point

ADDRESS = "203.0.113.77"
PHONE = "+57 312 555 0199"
PHONE_DIGITS = ("573125550199", "3125550199")
NATIONAL_PHONE = "(601) 7654321"
NATIONAL_DIGITS = ("6017654321", "7654321")
EMAIL = "maria.lopez.test@example.org"
OBFUSCATED_EMAIL = "pedro (at) correo (dot) com"
SKIPPED_TABLES = {"spatial_ref_sys"}  # PostGIS reference data


def _written(number: str, cell: str) -> bool:
    """Whether ``number`` is written in ``cell``, digits separated by anything a person
    types between them (spaces, dots, dashes, brackets, a plus), as a whole number."""
    pattern = r"[\s().+\-]*".join(number)
    return re.search(rf"(?<!\d){pattern}(?!\d)", cell) is not None


def _cells(db: Session) -> list[str]:
    connection = db.connection()
    out = []
    for name in inspect(connection).get_table_names():
        if name in SKIPPED_TABLES:
            continue
        for row in connection.execute(text(f'SELECT * FROM "{name}"')):
            out.extend(repr(value) for value in row)
    return out


def test_no_address_or_contact_details_in_tables_logs_or_limiter(
    app: FastAPI, client: TestClient, db: Session, caplog
):
    caplog.set_level(logging.DEBUG)
    point = published_point(db)
    moderator = moderator_of(client, db, point.organization)
    traveller = TestClient(app, client=(ADDRESS, 51234))
    spoofed = {"X-Forwarded-For": ADDRESS, "X-Real-IP": ADDRESS, "User-Agent": f"app ({ADDRESS})"}
    comment = (
        f"No contestan. Escriban a {EMAIL} o llamen al {PHONE} o al {NATIONAL_PHONE}; "
        f"también {OBFUSCATED_EMAIL}"
    )
    receipts = [
        accepted(
            traveller.post(
                f"/v1/points/{point.public_id}/feedback",
                json={"rating": 2, "tags": ["wrong_phone"], "comment": comment},
                headers=spoofed,
            )
        )["receipt"],
        accepted(
            traveller.post(
                "/v1/feedback",
                json={"tags": ["missing_place"], "country": "CO", "comment": comment},
                headers=spoofed,
            )
        )["receipt"],
    ]
    # A refused submission that carries the same details (too long) is not kept either.
    refused = traveller.post(
        f"/v1/points/{point.public_id}/feedback",
        json={"comment": comment + " x" * 1000},
        headers=spoofed,
    )
    assert refused.status_code == 422 and EMAIL not in refused.text and PHONE not in refused.text
    for receipt in receipts[:1]:
        client.post(
            f"/v1/moderation/feedback/{receipt}/decision",
            json={"decision": "approve"},
            headers=moderator.headers,
        ).raise_for_status()
    public = client.get(f"/v1/points/{point.public_id}/feedback").json()
    assert public["comments"][0]["text"].count("[phone]") == 2
    assert public["comments"][0]["text"].count("[email]") == 2

    daily_key = client_key(ADDRESS, secret=app.state.settings.secret_key, now=utcnow())
    forbidden = [ADDRESS, daily_key, EMAIL, PHONE, NATIONAL_PHONE, "pedro (at)"]
    db.expire_all()
    cells = _cells(db)
    assert any("[email]" in cell for cell in cells), "the scan missed the feedback table"
    for cell in cells:
        for value in forbidden:
            assert value not in cell, f"{value!r} stored in a table"
        for number in PHONE_DIGITS + NATIONAL_DIGITS:
            # The number as written, with any separators, not a piece of a longer run
            # of digits (a hash or an id can hold any 7 digits by chance).
            assert not _written(number, cell), f"phone number {number} stored in a table"

    lines = [caplog.text, *(r.getMessage() for r in caplog.records)]
    assert any("/feedback" in line for line in lines), "the access log was not captured"
    for line in lines:
        for value in forbidden:
            assert value not in line, f"{value!r} logged"
        for number in PHONE_DIGITS:
            assert number not in re.sub(r"\D", "", line)

    storage = app.state.rate_limiter.storage
    keys = " ".join([*map(str, storage.storage), *map(str, storage.events)])
    assert keys, "the limiter counted nothing"
    assert ADDRESS not in keys and daily_key not in keys


def test_daily_key_rotates_and_depends_on_the_secret():
    import datetime as dt

    day = dt.datetime(2026, 3, 9, 23, 59, tzinfo=dt.UTC)
    same_day = client_key(ADDRESS, secret="s" * 32, now=day.replace(hour=0))
    assert client_key(ADDRESS, secret="s" * 32, now=day) == same_day
    assert client_key(ADDRESS, secret="s" * 32, now=day + dt.timedelta(minutes=1)) != same_day
    assert client_key(ADDRESS, secret="t" * 32, now=day) != same_day
    assert client_key("203.0.113.78", secret="s" * 32, now=day) != same_day
    assert len(same_day) == 64 and ADDRESS not in same_day
    # One IPv6 client owns a /64; an IPv4-mapped address is the IPv4 client.
    assert client_key("2001:db8:1:2::1", secret="s" * 32, now=day) == client_key(
        "2001:db8:1:2:ffff::9", secret="s" * 32, now=day
    )
    assert client_key(f"::ffff:{ADDRESS}", secret="s" * 32, now=day) == same_day
