"""``make test`` with a PostgreSQL database that does not exist creates it, or stops at once
saying why (it used to run for 18 minutes to 984 errors)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.engine import make_url

from app.db import normalise_url
from tests.conftest import POSTGRES_URL, drop_postgres_database, ensure_postgres_database

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs RUMBO_TEST_POSTGRES_URL")


def _url(**parts: object) -> str:
    assert POSTGRES_URL
    return make_url(normalise_url(POSTGRES_URL)).set(**parts).render_as_string(False)


def test_a_missing_database_is_created() -> None:
    url = _url(database=f"rumbo_t_missing_{uuid.uuid4().hex[:8]}")
    assert POSTGRES_URL
    try:
        ensure_postgres_database(url)
        ensure_postgres_database(url)  # and found the second time
    finally:
        drop_postgres_database(POSTGRES_URL, url)


def test_an_unreachable_server_stops_the_run_with_a_message() -> None:
    with pytest.raises(pytest.exit.Exception, match="cannot connect to"):
        ensure_postgres_database(_url(port=1))
