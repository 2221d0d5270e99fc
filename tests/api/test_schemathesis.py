"""Property-based fuzzing of every operation in the app's own OpenAPI document.

Schemathesis generates requests from ``/openapi.json`` (valid and invalid ones: positive
and negative generation) and sends
them in process to the ASGI app, on SQLite and on PostgreSQL when configured; one test per
operation. Every response must not be a 5xx, must use a documented status code and
content type, and its body must match the schema declared for it. Requests carry a
platform administrator's token, so the staff operations are explored beyond their 401.

Two of schemathesis' checks are left out on purpose: ``positive_data_acceptance`` (a body
valid for the schema may still break a business rule: a point at sea, an unknown
category, a duplicate) and ``negative_data_rejection`` (the app accepts some inputs the
schema calls invalid, e.g. unknown query parameters are ignored). Examples per operation
are bounded (``RUMBO_FUZZ_EXAMPLES``, default 12) to keep CI well inside its budget.

(Schemathesis' own lazy pytest loader does not support pytest 9 yet, hence the explicit
loop: the operations are listed from an app built on an in-memory database.)
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from app.main import create_app
from tests import conftest
from tests.accounts.helpers import make_staff

EXAMPLES = int(os.environ.get("RUMBO_FUZZ_EXAMPLES", "12"))
METHODS = ("get", "put", "post", "patch", "delete")

pytestmark = pytest.mark.slow


def _operations() -> list[tuple[str, str]]:
    document = create_app(conftest.test_settings("sqlite://")).openapi()
    return sorted(
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    )


@pytest.fixture
def api_headers(client: Any, db: Any) -> dict[str, str]:
    staff = make_staff(db, client.app.state.settings, role="admin", is_admin=True)
    db.flush()
    return staff.headers


@pytest.mark.parametrize(("path", "method"), _operations(), ids=lambda v: str(v))
def test_operation_conforms(client: Any, api_headers: dict[str, str], path: str, method: str):
    operation = schemathesis.openapi.from_asgi("/openapi.json", client.app)[path][method]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    @given(
        case=st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )
    )
    def check(case: Any) -> None:
        case.call_and_validate(
            headers=api_headers,
            excluded_checks=[positive_data_acceptance, negative_data_rejection],
        )

    check()
