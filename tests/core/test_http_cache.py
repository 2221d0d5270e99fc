"""HTTP caching (ETag, 304, Cache-Control, Vary) and compression (gzip, brotli) middleware."""

from __future__ import annotations

import gzip
import itertools
from collections.abc import Iterator

import brotli
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from app.compression import Compression, choose_encoding
from app.http_cache import HttpCache, etag_matches
from app.service_points import writing
from app.service_points.inputs import ServicePointUpdate
from tests.factories import make_organization, make_point

BIG = {"items": [{"name": f"Albergue {i}", "description": "Descripción " * 5} for i in range(40)]}
_counter = itertools.count()


def big(_: Request) -> Response:
    return JSONResponse(BIG)


def changing(_: Request) -> Response:
    return JSONResponse({**BIG, "n": next(_counter)})


def small(_: Request) -> Response:
    return JSONResponse({"ok": True})


def own_etag(_: Request) -> Response:
    return JSONResponse(BIG, headers={"ETag": '"v7"', "Cache-Control": "public, max-age=5"})


def private(_: Request) -> Response:
    return JSONResponse(BIG, headers={"Cache-Control": "private, no-store"})


def failing(_: Request) -> Response:
    return JSONResponse(
        {"title": "Not found"}, status_code=404, media_type="application/problem+json"
    )


def precompressed(_: Request) -> Response:
    return Response(
        gzip.compress(b"x" * 2000),
        media_type="application/json",
        headers={"Content-Encoding": "gzip"},
    )


def streamed(_: Request) -> Response:
    def chunks() -> Iterator[bytes]:
        for i in range(50):
            yield f"line {i} ".encode() * 40

    return StreamingResponse(chunks(), media_type="text/plain")


def healthz(_: Request) -> Response:
    return PlainTextResponse("ok")


def post(_: Request) -> Response:
    return JSONResponse(BIG)


ROUTES = [
    Route("/big", big),
    Route("/changing", changing),
    Route("/small", small),
    Route("/own-etag", own_etag),
    Route("/private", private),
    Route("/missing", failing),
    Route("/pre", precompressed),
    Route("/stream", streamed),
    Route("/healthz", healthz),
    Route("/post", post, methods=["POST"]),
]


@pytest.fixture(scope="module")
def web() -> TestClient:
    inner = HttpCache(Starlette(routes=ROUTES), max_age=60, max_buffer=8192)
    return TestClient(Compression(inner, minimum_size=512, buffer_size=4096))


def plain(client: TestClient, path: str, **headers: str) -> Response:
    return client.get(path, headers={"Accept-Encoding": "identity", **headers})


class TestETags:
    def test_a_public_get_has_a_strong_etag_and_public_cache_control(self, web):
        response = plain(web, "/big")
        etag = response.headers["etag"]
        assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
        assert response.headers["cache-control"] == "public, max-age=60"
        assert "Accept-Encoding" in response.headers["vary"]
        assert plain(web, "/big").headers["etag"] == etag

    def test_if_none_match_gives_a_bodiless_304(self, web):
        etag = plain(web, "/big").headers["etag"]
        for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
            response = plain(web, "/big", **{"If-None-Match": header})
            assert response.status_code == 304, header
            assert response.content == b""
            assert "content-type" not in response.headers
            assert response.headers["cache-control"] == "public, max-age=60"
            assert "Accept-Encoding" in response.headers["vary"]
        assert plain(web, "/big", **{"If-None-Match": '"stale"'}).status_code == 200

    def test_a_new_body_gets_a_new_etag(self, web):
        first = plain(web, "/changing").headers["etag"]
        second = plain(web, "/changing", **{"If-None-Match": first})
        assert second.status_code == 200 and second.headers["etag"] != first

    def test_a_route_etag_and_cache_control_are_kept(self, web):
        response = plain(web, "/own-etag")
        assert response.headers["etag"] == '"v7"'
        assert response.headers["cache-control"] == "public, max-age=5"
        assert plain(web, "/own-etag", **{"If-None-Match": '"v7"'}).status_code == 304
        # A route's ETag is a version that If-Match compares: compression leaves it alone.
        compressed = web.get("/own-etag", headers={"Accept-Encoding": "br"})
        assert compressed.headers["content-encoding"] == "br"
        assert compressed.headers["etag"] == '"v7"'


class TestCacheControl:
    @pytest.mark.parametrize("header", ["Authorization", "X-API-Key"])
    def test_requests_with_credentials_are_private(self, web, header):
        response = plain(web, "/big", **{header: "Bearer something"})
        assert response.headers["cache-control"] == "private, no-store"
        assert plain(web, "/own-etag", **{header: "k"}).headers["cache-control"] == (
            "private, no-store"
        )

    def test_a_browser_session_is_private_unless_the_route_chose(self, web):
        assert plain(web, "/big", Cookie="session=abc").headers["cache-control"] == (
            "private, no-store"
        )
        assert plain(web, "/own-etag", Cookie="session=abc").headers["cache-control"] == (
            "public, max-age=5"
        )

    def test_errors_probes_and_private_routes_are_not_stored(self, web):
        assert plain(web, "/missing").headers["cache-control"] == "no-store"
        assert "etag" not in plain(web, "/missing").headers
        assert plain(web, "/healthz").headers["cache-control"] == "no-store"
        assert plain(web, "/private").headers["cache-control"] == "private, no-store"

    def test_other_methods_are_untouched(self, web):
        response = web.post("/post", headers={"Accept-Encoding": "identity"})
        assert "etag" not in response.headers and "cache-control" not in response.headers


class TestCompression:
    @pytest.mark.parametrize(
        ("accept", "expected"),
        [
            ("gzip", "gzip"),
            ("br", "br"),
            ("gzip, deflate, br", "br"),
            ("br;q=0.5, gzip", "gzip"),
            ("br;q=0, gzip;q=0", None),
            ("*", "br"),
            ("*;q=0.1, gzip;q=0.5", "gzip"),
            ("identity", None),
            ("deflate", None),
            ("gzip;q=abc", None),
            ("GZIP", "gzip"),
            ("", None),
        ],
    )
    def test_choose_encoding_by_q_values(self, accept, expected):
        assert choose_encoding(accept) == expected

    @pytest.mark.parametrize(
        ("accept", "decode"), [("gzip", gzip.decompress), ("br", brotli.decompress)]
    )
    def test_compressed_bodies_decode_to_the_original(self, web, accept, decode):
        original = plain(web, "/big")
        response = web.get("/big", headers={"Accept-Encoding": accept})
        assert response.headers["content-encoding"] == accept
        assert int(response.headers["content-length"]) < len(original.content) / 3
        assert response.content == original.content  # httpx decodes
        with web.stream("GET", "/big", headers={"Accept-Encoding": accept}) as raw:
            assert decode(b"".join(raw.iter_raw())) == original.content
        suffix = {"gzip": '-gz"', "br": '-br"'}[accept]
        assert response.headers["etag"] == original.headers["etag"][:-1] + suffix

    def test_a_compressed_etag_revalidates(self, web):
        etag = web.get("/big", headers={"Accept-Encoding": "br"}).headers["etag"]
        response = web.get("/big", headers={"Accept-Encoding": "br", "If-None-Match": etag})
        assert response.status_code == 304 and response.headers["etag"] == etag
        # The identity representation is the same content: also not modified.
        assert plain(web, "/big", **{"If-None-Match": etag}).status_code == 304

    def test_small_bodies_are_sent_as_they_are(self, web):
        response = web.get("/small", headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in response.headers
        assert "Accept-Encoding" in response.headers["vary"]

    def test_already_encoded_bodies_are_not_compressed_again(self, web):
        response = web.get("/pre", headers={"Accept-Encoding": "br"})
        assert response.headers["content-encoding"] == "gzip"
        assert response.content == b"x" * 2000

    @pytest.mark.parametrize("accept", ["gzip", "br"])
    def test_streams_larger_than_the_buffer_are_compressed_on_the_fly(self, web, accept):
        response = web.get("/stream", headers={"Accept-Encoding": accept})
        assert response.headers["content-encoding"] == accept
        assert "content-length" not in response.headers
        assert "etag" not in response.headers  # larger than the cache layer buffers
        assert response.content == b"".join(f"line {i} ".encode() * 40 for i in range(50))


def test_etag_matching_rules():
    assert etag_matches(b'"abc"', b'"abc"') == b'"abc"'
    assert etag_matches(b'W/"abc"', b'"abc"') == b'W/"abc"'
    assert etag_matches(b'"abc-gz"', b'"abc-br"') == b'"abc-gz"'
    assert etag_matches(b'"abcd"', b'"abc"') is None
    assert etag_matches(b"", b'"abc"') is None


class TestThroughTheApp:
    def test_public_reads_revalidate(self, client):
        first = client.get("/v1/points", params={"limit": 20}, headers={"Accept-Encoding": "gzip"})
        assert first.headers["cache-control"] == "public, max-age=60"
        assert first.headers["content-encoding"] == "gzip"
        assert {"Accept-Language", "Accept-Encoding"} <= {
            v.strip() for v in first.headers["vary"].split(",")
        }
        again = client.get(
            "/v1/points",
            params={"limit": 20},
            headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["etag"]},
        )
        assert again.status_code == 304

    def test_a_change_invalidates_the_etag_of_a_point(self, client, db):
        point = make_point(db, make_organization(db), country="AQ", lat=-75.0, lon=120.0)
        db.commit()
        path = f"/v1/points/{point.public_id}"
        etag = client.get(path).headers["etag"]
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
        writing.update_point(db, point, ServicePointUpdate(locality="Otra"))
        db.commit()
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 200

    def test_staff_and_error_responses_are_not_stored(self, client):
        staff = client.get("/v1/auth/me", headers={"Authorization": "Bearer nonsense"})
        assert staff.status_code == 401
        assert staff.headers["cache-control"] == "private, no-store"
        missing = client.get("/v1/points/00000000-0000-0000-0000-000000000000")
        assert missing.status_code == 404 and missing.headers["cache-control"] == "no-store"
        assert client.get("/healthz").headers["cache-control"] == "no-store"
