"""The OpenAPI document says what the API really answers on errors: problem+json.

FastAPI documents its own 422 body (``HTTPValidationError`` as ``application/json``), but
every error this API returns is an RFC 9457 ``application/problem+json`` body
(``app.errors``): validation errors, the 413/414 of the request limits, the 503 of a
database outage, the 429 of rate limits. :func:`document_problems` rewrites the generated
document once, so clients, generated SDKs and the schemathesis run in CI see the truth:

- every 4xx/5xx response an operation declares carries the ``ProblemBody`` schema under
  ``application/problem+json`` (FastAPI's ``HTTPValidationError`` is dropped);
- every operation has a ``default`` response: any other status is a problem too;
- schemas written by hand from a model (``Model.model_json_schema()``, e.g. the GeoJSON
  page of ``GET /v1/points``) carry their nested models under a local ``$defs`` whose
  ``#/$defs/...`` references would resolve against the document's root, where nothing is:
  those models move to ``components/schemas`` and the references follow them, so every
  ``$ref`` of the document resolves (generated clients drop the operations whose references do not).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import TypeAdapter

from app.errors import PROBLEM_MEDIA_TYPE, ProblemBody

__all__ = ["document_problems"]

_REF = "#/components/schemas/ProblemBody"
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": _REF}}}


def _rewrite(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    problem = TypeAdapter(ProblemBody).json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["ProblemBody"] = problem
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses: dict[str, Any] = operation["responses"]
            for code, response in responses.items():
                if code[0] in "45":
                    content = response.setdefault("content", {})
                    json = content.get("application/json", {})
                    if any(name in str(json.get("schema", "")) for name in _FASTAPI_VALIDATION):
                        del content["application/json"]
                    content.update(_problem_content())
            responses.setdefault(
                "default",
                {
                    "description": "Error: RFC 9457 problem details",
                    "content": _problem_content(),
                },
            )
    for name in _FASTAPI_VALIDATION:
        schemas.pop(name, None)
    _hoist_local_defs(document.get("paths", {}), schemas)
    return document


_LOCAL_DEFS = "#/$defs/"


def _hoist_local_defs(node: Any, schemas: dict[str, Any]) -> None:
    """Move every ``$defs`` found under ``node`` to ``schemas`` and point the local
    references there (see the module docstring). A name already taken by another schema
    is an error of the application, raised when the document is first built."""
    if isinstance(node, list):
        for item in node:
            _hoist_local_defs(item, schemas)
        return
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(_LOCAL_DEFS):
        node["$ref"] = "#/components/schemas/" + ref.removeprefix(_LOCAL_DEFS)
    for name, definition in node.pop("$defs", {}).items():
        _hoist_local_defs(definition, schemas)
        if schemas.setdefault(name, definition) != definition:
            raise RuntimeError(f"two different schemas are named {name!r} in the OpenAPI document")
    for value in node.values():
        _hoist_local_defs(value, schemas)


def document_problems(app: FastAPI) -> None:
    """Make ``app.openapi()`` document problem+json errors (see the module docstring)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _rewrite(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
