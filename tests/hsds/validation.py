"""Validate bodies against the official HSDS 3.1 JSON schemas (copied in app/hsds/schemas).

Like the specification's own CI, every object schema is made strict
(``additionalProperties: false``), so a field HSDS does not define fails the test.
Relative ``$ref``s of the per-table schemas are resolved from disk, never the network.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from typing import Any

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from app.hsds.documents import SCHEMA_DIR


def _strict(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _strict(v) for k, v in node.items()}
        if "properties" in out and out.get("type") in ("object", None):
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_strict(v) for v in node]
    return node


def _read(folder: str, name: str) -> Any:
    path = SCHEMA_DIR / folder / name
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return json.loads(gzip.decompress((SCHEMA_DIR / folder / f"{name}.gz").read_bytes()))


@lru_cache(maxsize=1)
def _registry() -> Registry[Any]:
    resources = [
        (path.name, DRAFT202012.create_resource(_strict(json.loads(path.read_text("utf-8")))))
        for path in (SCHEMA_DIR / "entities").glob("*.json")
    ]
    return Registry().with_resources(resources)


@lru_cache(maxsize=16)
def validator(name: str) -> jsonschema.Draft202012Validator:
    """``compiled/service_list.json`` or ``entities/taxonomy_term.json``..."""
    folder, _, file = name.partition("/")
    schema = _strict(_read(folder, file))
    return jsonschema.Draft202012Validator(
        schema, registry=_registry(), format_checker=jsonschema.FormatChecker()
    )


def errors_of(body: Any, name: str) -> list[str]:
    return [f"{e.json_path}: {e.message[:300]}" for e in validator(name).iter_errors(body)]


def assert_valid(body: Any, name: str) -> None:
    problems = errors_of(body, name)
    assert not problems, "\n".join(problems[:20])


def assert_page(body: dict[str, Any], item_schema: str) -> None:
    """An HSDS ``Page``: the envelope's fields, and every item against ``item_schema``."""
    for field, kind in (
        ("total_items", int),
        ("total_pages", int),
        ("page_number", int),
        ("size", int),
        ("first_page", bool),
        ("last_page", bool),
        ("empty", bool),
        ("contents", list),
    ):
        assert isinstance(body[field], kind), field
    assert body["size"] == len(body["contents"])
    assert body["empty"] == (not body["contents"])
    for item in body["contents"]:
        assert_valid(item, item_schema)
