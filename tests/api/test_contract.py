"""The published contract: an OpenAPI document generators can read, and ``GET /``.

Two models with one class name get module-qualified component names from FastAPI
(``app__countries__schemas__SourceInput``), which client generators map back to one class
name and then drop as duplicates, with every operation using them; a hand-written schema's
``#/$defs/...`` reference resolves against the document's root, where nothing is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, create_model

from app.openapi import document_problems

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _refs(node: Any, where: str = "#") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value, where
            else:
                yield from _refs(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _refs(value, f"{where}/{index}")


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def test_every_reference_of_the_openapi_document_resolves(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    refs = list(_refs(document))
    assert len(refs) > 100
    for ref, where in refs:
        assert ref.startswith("#/components/schemas/"), f"{ref} at {where}"
        _resolve(document, ref)
    # The GeoJSON page of the search names its features' model.
    geojson = document["paths"]["/v1/points"]["get"]["responses"]["200"]["content"][
        "application/geo+json"
    ]["schema"]
    assert geojson["properties"]["features"]["items"] == {
        "$ref": "#/components/schemas/PointFeature"
    }
    assert "$defs" not in str(document["paths"])


def test_no_two_models_share_a_component_name(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name, schema in schemas.items():
        # FastAPI qualifies a clashing name with its module; the title keeps the class name.
        assert "__" not in name, name
        assert schema.get("title", name) == name, (name, schema.get("title"))
    # The two kinds of source a staff member writes are told apart.
    assert schemas["PointSourceInput"]["properties"].keys() == {
        "title",
        "url",
        "publisher",
        "as_of",
    }
    assert schemas["CountrySourceInput"]["required"] == ["title", "url", "publisher"]


def test_index_links_to_the_documentation_the_console_and_the_api(client: TestClient) -> None:
    answer = client.get("/")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["name"] == "Rumbo API"
    links = {link["rel"]: link for link in body["links"]}
    assert links["service-desc"]["href"] == "/openapi.json"
    assert links["service-doc"]["href"] == "/docs"
    assert links["console"]["href"] == "/console"
    assert links["points"]["href"] == "/v1/points"
    for link in body["links"]:
        assert link["title"] and link["type"], link
        target = client.get(link["href"], follow_redirects=False)
        # /v1/where answers 422 without coordinates: it exists; nothing is a 404.
        assert target.status_code in (200, 303, 307, 422), (link, target.status_code)


def test_index_is_html_for_browsers(client: TestClient) -> None:
    answer = client.get("/", headers={"Accept": BROWSER_ACCEPT})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    page = answer.text
    for href in ("/docs", "/openapi.json", "/console", "/v1/points"):
        assert f'<a href="{href}"' in page
    assert "<script" not in page


@pytest.mark.parametrize(
    "accept",
    [None, "*/*", "application/json", "application/json, text/html;q=0.5", "text/html;q=0"],
)
def test_index_is_json_unless_html_is_preferred(client: TestClient, accept: str | None) -> None:
    headers = {"Accept": accept} if accept else {}
    answer = client.get("/", headers=headers)
    assert answer.headers["content-type"].startswith("application/json")


def test_index_is_cacheable(client: TestClient) -> None:
    for accept in ("application/json", BROWSER_ACCEPT):
        answer = client.get("/", headers={"Accept": accept})
        assert answer.headers["cache-control"].startswith("public, max-age=")
        assert "accept" in answer.headers["vary"].lower().replace(" ", "").split(",")
        again = client.get("/", headers={"Accept": accept, "If-None-Match": answer.headers["etag"]})
        assert again.status_code == 304


def test_index_is_not_an_operation_of_the_api(client: TestClient) -> None:
    assert "/" not in client.get("/openapi.json").json()["paths"]


def _app_with_geojson_like_route(inner_component: type[BaseModel]) -> FastAPI:
    """A route whose JSON answer is ``inner_component`` and whose other media type is a
    hand-written schema of a model nesting a model named ``Inner``."""
    inner = create_model("Inner", a=(int, ...))
    outer = create_model("Outer", items=(list[inner], ...))  # type: ignore[valid-type]
    app = FastAPI()
    document_problems(app)

    @app.get(
        "/things",
        response_model=inner_component,
        responses={
            200: {"content": {"application/x-things": {"schema": outer.model_json_schema()}}}
        },
    )
    def things() -> Any:
        raise NotImplementedError

    return app


def test_nested_models_of_hand_written_schemas_become_components() -> None:
    document = _app_with_geojson_like_route(create_model("Other", b=(str, ...))).openapi()
    schemas = document["components"]["schemas"]
    assert schemas["Inner"]["properties"]["a"]["type"] == "integer"
    for ref, where in _refs(document):
        _resolve(document, ref)
        assert not ref.startswith("#/$defs/"), where


def test_a_nested_model_named_like_another_component_is_an_error() -> None:
    app = _app_with_geojson_like_route(create_model("Inner", b=(str, ...)))
    with pytest.raises(RuntimeError, match="'Inner'"):
        app.openapi()
