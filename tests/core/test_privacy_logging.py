"""The access log never records a user's position, free text or address."""

from __future__ import annotations

import logging

from app.observability import redact_query


def test_redact_query_coarsens_search_centres_and_hides_positions():
    line = redact_query("near=8.41234,-76.78456&lat=8.41234&lon=-76.78456&q=mi+nombre&limit=5")
    assert "8.41234" not in line and "76.78456" not in line
    assert "near=8.4,-76.8" in line
    assert "lat=<hidden>" in line and "lon=<hidden>" in line
    assert "nombre" not in line and "limit=5" in line


def test_access_log_of_real_requests(client, caplog):
    with caplog.at_level(logging.INFO, logger="rumbo.access"):
        client.get("/v1/points", params={"near": "14.90612,-92.26341", "q": "albergue"})
        client.get("/v1/where", params={"lat": "14.90612", "lon": "-92.26341"})
    text = caplog.text
    assert "GET /v1/points" in text
    assert "14.90612" not in text and "92.26341" not in text and "albergue" not in text
    assert "testclient" not in text  # the client's address is never logged


def test_routes_and_fine_tiles_are_not_logged(client, caplog):
    route = "-76.73456,8.51234;-77.27891,8.08765"
    with caplog.at_level(logging.INFO, logger="rumbo.access"):
        client.get("/v1/points", params={"route": route, "corridor": 5000})
        client.get("/v1/points", params={"route": "o`ir@~assM"})  # an encoded polyline
        # Zoom 15 tile 9123/15345 is a few blocks of Tapachula; zoom 8 is kept as asked.
        client.get("/v1/tiles/15/9123/15345.mvt")
        client.get("/v1/tiles/8/71/119.mvt")
    text = caplog.text
    assert "GET /v1/points?route=<hidden>&corridor=5000" in text
    for secret in ("76.73", "8.51", "77.27", "o`ir@~assM", "o%60ir", "9123", "15345"):
        assert secret not in text
    assert "GET /v1/tiles/10/285/479.mvt" in text  # the zoom-10 parent
    assert "GET /v1/tiles/8/71/119.mvt" in text
