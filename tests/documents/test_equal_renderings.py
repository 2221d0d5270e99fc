"""The hot path answers byte for byte what the rendering path answers: same status, body
and headers, for the seed, every enabled language (and none) and both views.

The rendering path is the route as it was (``app.state.documents_disabled`` turns the hot
path off); the same request is sent to both, and the hot path must have answered it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter
from sqlalchemy import text

from app.documents import search
from app.documents.query import parse_at

NECOCLI = "8.4265,-76.7848"
PANAMA = "8.98,-79.52"
TAPACHULA = "14.9,-92.26"
# Necoclí -> Acandí -> Panama City, lon,lat.
ROUTE = "-76.7836,8.4265;-77.2786,8.5122;-79.5199,8.9824"
_HEADERS = ("content-language", "vary", "link", "etag", "content-type")


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the hot path answered (its functions are recorded as they return)."""
    calls: list[str] = []
    page, item = search.search_page, search.get_item

    def record_page(*args: Any, **kwargs: Any) -> Any:
        found = page(*args, **kwargs)
        calls.append("page" if found is not None else "none")
        return found

    def record_item(*args: Any, **kwargs: Any) -> Any:
        found = item(*args, **kwargs)
        calls.append("item" if found is not None else "none")
        return found

    monkeypatch.setattr(search, "search_page", record_page)
    monkeypatch.setattr(search, "get_item", record_item)
    return calls


@contextmanager
def rendering_path(client: TestClient) -> Iterator[None]:
    state = client.app.state  # type: ignore[attr-defined]
    state.documents_disabled = True
    try:
        yield
    finally:
        state.documents_disabled = False


def _shape(response: Any) -> tuple[Any, ...]:
    return (
        response.status_code,
        response.content,
        tuple(response.headers.get(h) for h in _HEADERS),
    )


def assert_same(
    client: TestClient, url: str, params: dict[str, Any], headers: dict[str, str] | None = None
) -> Any:
    fast = client.get(url, params=params, headers=headers)
    with rendering_path(client):
        slow = client.get(url, params=params, headers=headers)
    assert fast.status_code == 200, fast.text
    if _shape(fast) != _shape(slow):
        # What depends on the clock (``open_now``, ``stale``) may change between two reads
        # when an opening hour passes: asked again, the hot path answers differently if it
        # did, and the pair is read once more. A real difference shows in both pairs.
        again = client.get(url, params=params, headers=headers)
        if _shape(again) != _shape(fast):
            fast = again
            with rendering_path(client):
                slow = client.get(url, params=params, headers=headers)
    assert _shape(fast) == _shape(slow), (url, params, headers)
    return fast


def _languages(client: TestClient) -> list[str]:
    return [lang["tag"] for lang in client.get("/v1/languages").json()]


def test_searches_equal_the_rendering_path(client: TestClient, served: list[str]) -> None:
    queries: list[dict[str, Any]] = [
        {"near": NECOCLI, "limit": 30},
        {"near": PANAMA, "radius": 50000, "limit": 50},
        {"near": TAPACHULA, "limit": 10, "category": "health"},
        {"bbox": "-77.2,7.9,-76.4,8.8", "limit": 40},
        {"bbox": "-80,5,-70,12", "limit": 20},
        {"q": "albergue", "limit": 25},
        {"country": "PA", "limit": 60},
        {"limit": 100, "free": "true"},
        {"route": ROUTE, "limit": 20},
        {"route": ROUTE, "corridor": 20000, "category": "health", "limit": 10},
        {"route": ROUTE, "corridor": 50000, "country": "PA", "limit": 15},
        {"route": ROUTE, "free": "false", "limit": 15},
    ]
    views = ({}, {"view": "summary"}, {"view": "full"})
    with_areas = 0
    for lang in [None, *_languages(client)]:
        for query in queries:
            for view in views:
                params = {**query, **view, **({"lang": lang} if lang else {})}
                body = assert_same(client, "/v1/points", params).json()
                with_areas += bool(body.get("area_services"))
    assert served
    assert "none" not in served
    assert with_areas  # the area services of near-me pages are compared too


def test_accept_language_and_next_pages_equal_the_rendering_path(
    client: TestClient, served: list[str]
) -> None:
    client.get("/v1/languages")  # the catalogue of enabled languages, loaded
    for header in ("fr", "en-US", "ht", "ar"):
        assert_same(client, "/v1/points", {"near": NECOCLI}, {"Accept-Language": header})
    first = assert_same(client, "/v1/points", {"near": PANAMA, "limit": 5, "lang": "en"})
    cursor = first.json()["next_cursor"]
    assert_same(client, "/v1/points", {"near": PANAMA, "limit": 5, "lang": "en", "cursor": cursor})
    # A language that is not enabled (en-US, ar) is left to the route.
    assert served.count("page") == 4


def test_pages_along_a_route_equal_the_rendering_path(
    client: TestClient, served: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without filters other than country and free, the candidates come from the grid index.
    from_grid: list[Any] = []
    source = search.grid_candidates

    def record(*args: Any) -> Any:
        found = source(*args)
        from_grid.append(found)
        return found

    monkeypatch.setattr(search, "grid_candidates", record)
    for extra in ({}, {"country": "PA"}, {"spoken_language": "es"}):
        params: dict[str, Any] = {"route": ROUTE, "corridor": 50000, "limit": 7, **extra}
        ids: list[str] = []
        for _ in range(4):
            body = assert_same(client, "/v1/points", params).json()
            ids += [item["id"] for item in body["items"]]
            if "next_cursor" not in body:
                break
            params = {**params, "cursor": body["next_cursor"]}
        assert len(ids) == len(set(ids)) > 7
    assert served
    assert "none" not in served
    assert len(from_grid) >= 5  # the pages without a filter and with country
    assert None not in from_grid


def test_point_details_equal_the_rendering_path(client: TestClient, served: list[str]) -> None:
    items = client.get("/v1/points", params={"near": NECOCLI, "limit": 15}).json()["items"]
    items += client.get("/v1/points", params={"country": "MX", "limit": 15}).json()["items"]
    for lang in [None, *_languages(client)]:
        for item in items:
            assert_same(client, f"/v1/points/{item['id']}", {"lang": lang} if lang else {})
    assert served.count("item") == len(items) * (len(_languages(client)) + 1)


def test_what_the_hot_path_leaves_to_the_route_still_answers(client: TestClient) -> None:
    # Invalid or unusual requests go on to the route, which answers as before.
    assert client.get("/v1/points", params={"near": "91,0"}).status_code == 422
    assert client.get("/v1/points", params={"catgory": "x"}).status_code == 422
    assert client.get("/v1/points", params={"near": NECOCLI, "radius": "x"}).status_code == 422
    assert client.get("/v1/points", params={"near": NECOCLI, "cursor": "bad"}).status_code == 422
    assert client.get("/v1/points", params={"category": "nope"}).status_code == 422
    assert client.get("/v1/points/00000000-0000-0000-0000-000000000000").status_code == 404
    both = client.get(
        "/v1/points", params={"near": NECOCLI}, headers={"Accept-Language": "fr, en;q=0.5"}
    )
    assert both.status_code == 200


def _instants() -> list[str]:
    """Instants around now, inside the stored horizon and past both its ends, in several
    spellings of their offset."""
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    hours = [0, 5, 13, 27, 50, 75, 100, 163, 240, 24 * 20, -48, -24 * 9]
    zones = [dt.UTC, dt.timezone(dt.timedelta(hours=-5)), dt.timezone(dt.timedelta(hours=5.5))]
    out = []
    for index, offset in enumerate(hours):
        at = (now + dt.timedelta(hours=offset, minutes=7 * index)).astimezone(
            zones[index % len(zones)]
        )
        out.append(at.isoformat().replace("+00:00", "Z"))
    return out


def test_open_now_searches_equal_the_rendering_path(client: TestClient, served: list[str]) -> None:
    queries: list[dict[str, Any]] = [
        {"near": NECOCLI, "limit": 30},
        {"near": TAPACHULA, "limit": 10, "category": "health"},
        {"bbox": "-80,5,-70,12", "limit": 20},
        {"q": "albergue", "limit": 25},
        {"country": "MX", "limit": 60},
        {"limit": 100},
    ]
    opened = 0
    for at in [None, *_instants()]:
        for query in queries:
            for extra in ({"open_now": "true"}, {"view": "summary", "open_now": "true"}, {}):
                if at is None and not extra:
                    continue
                params = {**query, **extra, **({"at": at} if at else {})}
                body = assert_same(client, "/v1/points", params).json()
                opened += sum(item.get("open_now") is True for item in body["items"])
    assert opened
    assert served and "none" not in served


def test_open_now_pages_equal_the_rendering_path(client: TestClient, served: list[str]) -> None:
    longest = 0
    for at in _instants()[:6]:
        for start in ({"near": NECOCLI, "radius": 200000, "limit": 2}, {"limit": 4}):
            params: dict[str, Any] = {**start, "open_now": "true", "at": at, "lang": "en"}
            pages = 0
            while True:
                body = assert_same(client, "/v1/points", params).json()
                pages += 1
                if "next_cursor" not in body:
                    break
                params["cursor"] = body["next_cursor"]
            longest = max(longest, pages)
    assert longest > 2
    assert "none" not in served


def test_open_now_without_precomputed_hours_equals_the_rendering_path(
    client: TestClient, connection: Any, served: list[str]
) -> None:
    # Documents stored before the hours were (or past their horizon): evaluated.
    client.get("/v1/languages")  # the catalogue of enabled languages, loaded
    connection.execute(text("UPDATE point_document SET hours = NULL, hours_until = NULL"))
    for at in _instants()[:4]:
        assert_same(client, "/v1/points", {"near": NECOCLI, "open_now": "true", "at": at})
        assert_same(client, "/v1/points", {"country": "MX", "at": at, "limit": 50})
    assert served.count("page") == 8


def test_other_spellings_of_open_now_and_at_go_to_the_route(
    client: TestClient, served: list[str]
) -> None:
    for params, status in [
        ({"open_now": "false"}, 422),
        ({"open_now": "1", "near": NECOCLI}, 200),
        ({"at": "2026-12-08"}, 422),  # no offset
        ({"at": "2026-12-08t10:00:00z", "near": NECOCLI}, 200),
        ({"at": "1796000000", "near": NECOCLI}, 200),
        ({"at": "2026-12-08T25:00:00Z"}, 422),
    ]:
        fast = client.get("/v1/points", params=params)
        with rendering_path(client):
            slow = client.get("/v1/points", params=params)
        assert fast.status_code == slow.status_code == status, (params, fast.text)
        if status == 200:
            assert _shape(fast) == _shape(slow)
    assert not served


AT_TEXT = st.builds(
    lambda d, t, sep, sec, frac, off: f"{d}{sep}{t}{sec}{frac}{off}",
    st.sampled_from(["2026-12-08", "2026-02-29", "2024-02-29", "0001-01-01", "9999-12-31"]),
    st.sampled_from(["00:00", "23:59", "12:30", "24:00", "10:60", "7:05"]),
    st.sampled_from(["T", "t", " "]),
    st.sampled_from(["", ":00", ":59", ":60", ":5"]),
    st.sampled_from(["", ".5", ".123456", ".1234567"]),
    st.sampled_from(["Z", "z", "+00:00", "-05:00", "+05:30", "+23:59", "+24:00", "+0530", ""]),
)


@settings(max_examples=300, deadline=None)
@given(raw=AT_TEXT)
def test_the_hot_path_reads_at_as_the_route_does(raw: str) -> None:
    mine = parse_at(raw)
    if mine is None:
        return  # the route reads it
    theirs = TypeAdapter(dt.datetime).validate_python(raw)
    assert theirs.tzinfo is not None
    assert mine == theirs and mine.utcoffset() == theirs.utcoffset()
