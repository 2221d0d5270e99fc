"""The read model changes how ``/v1/points`` is served, not what it documents: the OpenAPI
document equals the snapshot taken before the change (``tests/data/openapi.json``).

When another change means to alter the contract, regenerate the snapshot:
``RUMBO_UPDATE_OPENAPI_SNAPSHOT=1 pytest tests/documents/test_openapi_snapshot.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fastapi.testclient import TestClient

SNAPSHOT = Path(__file__).resolve().parent.parent / "data" / "openapi.json"


def test_the_openapi_document_is_exactly_the_snapshot(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    if os.environ.get("RUMBO_UPDATE_OPENAPI_SNAPSHOT"):
        SNAPSHOT.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    # Compared path by path first: a failure names the operation that changed.
    assert sorted(document["paths"]) == sorted(expected["paths"])
    for path, operations in expected["paths"].items():
        assert document["paths"][path] == operations, path
    assert document == expected
