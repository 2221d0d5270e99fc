"""The static HSDS documents Rumbo serves: its OpenAPI, its profile, the schema files."""

from __future__ import annotations

import copy
import gzip
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from app.hsds import ids
from app.hsds.vocabulary import FIELD_TERMS, TRANSLATION_TERMS

__all__ = ["SCHEMA_DIR", "openapi_document", "profile_document", "schema_file"]

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
_UPSTREAM = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
_SAME_SCHEMA = {"compiled/service.json": "compiled/service_with_definitions.json"}
ATTRIBUTION = (
    "Human Services Data Specification: an Open Referral resource (https://openreferral.org/), "
    "CC BY-SA 4.0"
)


@lru_cache(maxsize=1)
def _openapi_template() -> dict[str, Any]:
    document: dict[str, Any] = orjson.loads((SCHEMA_DIR / "openapi.json").read_bytes())
    return document


def _rewrite_refs(node: Any, base: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(_UPSTREAM):
                name = value.removeprefix(_UPSTREAM)
                # The same nested service, with definitions instead of 2.5 MB of inlining.
                name = _SAME_SCHEMA.get(name, name)
                if not name.startswith("compiled/"):
                    name = f"entities/{name}"
                out[key] = f"{base}/schemas/{name}"
            else:
                out[key] = _rewrite_refs(value, base)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, base) for v in node]
    return node


def openapi_document(base_url: str) -> dict[str, Any]:
    """The HSDS OpenAPI with Rumbo's details, GET operations only, and local schema URLs."""
    document = copy.deepcopy(_openapi_template())
    document["info"] = {
        "title": "Rumbo HSDS API",
        "version": ids.HSDS_VERSION,
        "summary": "Rumbo's service points as Open Referral HSDS 3.1 (read only)",
        "description": (
            "Service points for people on the move, mapped to HSDS 3.1 as described in "
            f"{base_url}/profile. Texts follow `?lang=` or Accept-Language. "
            f"Schemas: {ATTRIBUTION}."
        ),
        "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
    }
    document["servers"] = [{"url": base_url}]
    paths = {}
    for path, item in document["paths"].items():
        item.pop("post", None)
        paths[path] = item
    # Upstream names the nested service schema for this path; it returns a service_at_location.
    sal = paths["/service_at_locations/{id}"]["get"]["responses"]["200"]["content"]
    sal["application/json"]["schema"]["$ref"] = f"{_UPSTREAM}compiled/service_at_location.json"
    document["paths"] = paths
    result: dict[str, Any] = _rewrite_refs(document, base_url)
    return result


def profile_document(base_url: str) -> dict[str, Any]:
    """What Rumbo adds to HSDS 3.1: its taxonomies and how its fields are carried."""
    return {
        "name": "Rumbo HSDS profile",
        "hsds_version": ids.HSDS_VERSION,
        "openapi_url": f"{base_url}/openapi.json",
        "description": (
            "A Rumbo service point is one HSDS service at one location: service.id, "
            "service_at_location.id and the Rumbo point id are the same UUID. Categories and "
            "audiences are taxonomy terms linked by attributes; Rumbo fields without an HSDS "
            "column and the texts in every language are attributes of the taxonomies below. "
            "Opening hours are weekly schedules whose description holds the exact OSM "
            "opening_hours expression."
        ),
        "taxonomies": [
            {"id": ids.taxonomy_id(name), "name": name, "title": title, "description": text}
            for name, (title, text) in ids.TAXONOMIES.items()
        ],
        "field_terms": FIELD_TERMS,
        "translation_terms": TRANSLATION_TERMS,
        "attribution": ATTRIBUTION,
    }


def schema_file(name: str) -> tuple[bytes, bool] | None:
    """(bytes, gzip-compressed) of one schema file under ``schemas/``, or None."""
    if not name.endswith(".json") or ".." in name or name.startswith("/"):
        return None
    parts = name.split("/")
    if len(parts) != 2 or parts[0] not in ("compiled", "entities"):
        return None
    path = SCHEMA_DIR / parts[0] / parts[1]
    if path.is_file():
        return path.read_bytes(), False
    packed = path.with_name(path.name + ".gz")
    if packed.is_file():
        return packed.read_bytes(), True
    return None


def gunzip(data: bytes) -> bytes:
    return gzip.decompress(data)
