"""Oversized bodies are refused with 413 problem+json, declared or chunked."""

from __future__ import annotations


def _chunks(total: int, size: int = 65_536):
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


def test_declared_body_over_the_limit_is_413(client):
    response = client.post(
        "/v1/feedback", content=b"x" * 1_100_000, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_chunked_body_over_the_limit_is_413_not_500(client):
    response = client.post(
        "/v1/feedback", content=_chunks(1_200_000), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["status"] == 413


def test_refusals_before_any_route_speak_the_readers_language(client):
    response = client.post(
        "/v1/feedback",
        content=b"x" * 1_100_000,
        headers={"Content-Type": "application/json", "Accept-Language": "fr"},
    )
    assert response.status_code == 413 and response.headers["content-language"] == "fr"
    body = response.json()
    assert body["title"] == "Corps de la requête trop volumineux"
    assert body["detail"].startswith("les corps de requête sont limités à")
    long_query = client.get("/v1/points", params={"q": "x" * 9000, "lang": "es"})
    assert long_query.status_code == 414
    assert long_query.json()["detail"].startswith("las cadenas de consulta están limitadas a")


def test_refusal_found_in_a_looping_exception_chain() -> None:
    """A chain whose context loops back (an exception re-raised while handling itself)
    and groups nested in it are searched once each: the search ends, and finds a refusal
    wherever it sits."""
    from app.errors import PayloadTooLarge
    from app.i18n.texts import Text
    from app.limits import _find

    first, second = RuntimeError("a"), ValueError("b")
    first.__context__, second.__context__ = second, first
    assert _find(first, PayloadTooLarge) is None

    refusal = PayloadTooLarge(Text("limits.body", max=1))
    group = BaseExceptionGroup("g", [KeyError("k"), ExceptionGroup("inner", [refusal])])
    second.__cause__ = group
    group.__context__ = first
    assert _find(first, PayloadTooLarge) is refusal
