"""HTTP caching of GET responses: strong ETags, ``If-None-Match`` -> 304, ``Cache-Control``.

Pure ASGI, one pass over the headers and one hash of the body per response:

- a resource with a version (a service point) sets its own weak ETag,
  ``W/"v<version>-<digest>"`` (:func:`version_etag`): the digest of the body tells
  representations apart for ``If-None-Match``; the version is what a write's ``If-Match``
  compares (:func:`etag_version`), so the ETag of any representation of the current version
  (any language, any content coding) is accepted by the write to the same URL;
- a 200 without an ``ETag`` gets a strong one, the BLAKE2b digest of its body (the
  compression layer appends ``-gz``/``-br`` to it per content coding); a route's own ETag
  (a resource version, used with ``If-Match``) is kept as it is;
- ``If-None-Match`` naming it (weak comparison, ignoring those suffixes) gets a bodiless 304;
- ``Cache-Control``: ``private, no-store`` for any request carrying credentials
  (``Authorization``, ``X-API-Key``), whatever the route said; ``no-store`` for errors and
  probes; otherwise the route's own value, or by default ``private, no-store`` when the
  request has a ``Cookie`` (a browser session) and ``public, max-age=<max_age>`` when not;
- ``Vary`` always names ``Accept-Encoding`` (routes add ``Accept-Language``/``Accept`` where
  they negotiate).

A response larger than ``max_buffer`` bytes, or streamed, passes through without an ETag.
"""

from __future__ import annotations

import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "ENCODING_SUFFIXES",
    "HttpCache",
    "etag_matches",
    "etag_version",
    "is_content_etag",
    "merge_vary",
    "strong_etag",
    "version_etag",
]

ENCODING_SUFFIXES = (b"-gz", b"-br")
PRIVATE = b"private, no-store"
NO_STORE = b"no-store"
_CREDENTIALS = (b"authorization", b"x-api-key")
# Fields a 304 repeats from the 200 it stands for (RFC 9110 section 15.4.5).
_NOT_MODIFIED_FIELDS = frozenset(
    (b"cache-control", b"content-location", b"date", b"etag", b"expires", b"vary")
)


_HEX = frozenset(b"0123456789abcdef")


def strong_etag(body: bytes) -> bytes:
    """The ETag this layer gives a body: its BLAKE2b-96 digest in hex, quoted."""
    return b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'


def version_etag(version: int, body: bytes) -> str:
    """The weak ETag of a representation of version ``version`` of a resource."""
    digest = hashlib.blake2b(body, digest_size=12).hexdigest()
    return f'W/"v{version}-{digest}"'


_VERSION_TAG = re.compile(r'^(?:W/)?"v([0-9]{1,18})-[0-9a-f]{24}(?:-gz|-br)?"$')


def etag_version(tag: str) -> int | None:
    """The version a :func:`version_etag` names (weak or not, with or without a content
    coding suffix), or None for any other tag."""
    found = _VERSION_TAG.match(tag.strip())
    return int(found.group(1)) if found else None


def is_content_etag(tag: bytes) -> bool:
    """Whether ``tag`` was made by :func:`strong_etag` (a route's own ETag is left alone)."""
    return len(tag) == 26 and tag[0] == tag[-1] == 0x22 and _HEX.issuperset(tag[1:-1])


def _opaque(tag: bytes) -> bytes:
    tag = tag.strip()
    if tag.startswith(b"W/"):
        tag = tag[2:]
    for suffix in ENCODING_SUFFIXES:
        if tag.endswith(suffix + b'"'):
            return tag[: -len(suffix) - 1] + b'"'
    return tag


def etag_matches(if_none_match: bytes, etag: bytes) -> bytes | None:
    """The tag of ``If-None-Match`` that matches ``etag`` (weak comparison), if any."""
    if if_none_match.strip() == b"*":
        return etag
    wanted = _opaque(etag)
    for candidate in if_none_match.split(b","):
        if candidate.strip() and _opaque(candidate) == wanted:
            return candidate.strip()
    return None


def merge_vary(headers: list[tuple[bytes, bytes]], *names: bytes) -> None:
    """Add ``names`` to the ``Vary`` header (one header, no duplicates)."""
    present: list[bytes] = []
    kept: list[tuple[bytes, bytes]] = []
    for key, value in headers:
        if key == b"vary":
            present.extend(v.strip() for v in value.split(b",") if v.strip())
        else:
            kept.append((key, value))
    lowered = {v.lower() for v in present}
    for name in names:
        if name.lower() not in lowered:
            present.append(name)
            lowered.add(name.lower())
    headers[:] = kept
    headers.append((b"vary", b", ".join(present)))


class HttpCache:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_age: int = 60,
        no_store_paths: tuple[str, ...] = ("/healthz", "/readyz", "/metrics"),
        max_buffer: int = 8 * 1024 * 1024,
    ) -> None:
        self.app = app
        self.public = f"public, max-age={max_age}".encode()
        self.no_store_paths = no_store_paths
        self.max_buffer = max_buffer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if_none_match: bytes | None = None
        credentials = cookie = False
        for key, value in scope["headers"]:
            if key == b"if-none-match":
                if_none_match = value
            elif key in _CREDENTIALS:
                credentials = True
            elif key == b"cookie":
                cookie = True
        head = scope["method"] == "HEAD"
        no_store = scope["path"].startswith(self.no_store_paths)
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        passing = False

        def cache_control(headers: list[tuple[bytes, bytes]], status: int) -> None:
            current = next((v for k, v in headers if k == b"cache-control"), None)
            if credentials:
                value = PRIVATE
            elif status >= 400 or no_store:
                value = current or NO_STORE
            elif cookie:
                # A browser session (the staff console): private unless the route chose.
                value = current or PRIVATE
            else:
                value = current or self.public
            if value is not current:
                headers[:] = [(k, v) for k, v in headers if k != b"cache-control"]
                headers.append((b"cache-control", value))

        async def send_wrapper(message: Message) -> None:
            nonlocal start, size, passing
            if message["type"] == "http.response.start":
                start = message
                headers = list(message.get("headers", []))
                cache_control(headers, message["status"])
                start["headers"] = headers
                if message["status"] != 200:
                    passing = True
                    await send(start)
                return
            if passing or message["type"] != "http.response.body":
                await send(message)
                return
            assert start is not None
            body = message.get("body", b"")
            chunks.append(body)
            size += len(body)
            if message.get("more_body", False):
                if size > self.max_buffer:
                    passing = True
                    await send(start)
                    await send(
                        {"type": "http.response.body", "body": b"".join(chunks), "more_body": True}
                    )
                return
            await self._finish(start, b"".join(chunks), if_none_match, head, send)

        await self.app(scope, receive, send_wrapper)

    async def _finish(
        self,
        start: Message,
        body: bytes,
        if_none_match: bytes | None,
        head: bool,
        send: Send,
    ) -> None:
        headers: list[tuple[bytes, bytes]] = start["headers"]
        etag = next((v for k, v in headers if k == b"etag"), None)
        if etag is None and not head:
            etag = strong_etag(body)
            headers.append((b"etag", etag))
        merge_vary(headers, b"Accept-Encoding")
        if etag is not None and if_none_match is not None:
            matched = etag_matches(if_none_match, etag)
            if matched is not None:
                kept = [(k, v) for k, v in headers if k in _NOT_MODIFIED_FIELDS and k != b"etag"]
                kept.append((b"etag", matched))
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
                return
        await send(start)
        await send({"type": "http.response.body", "body": body})
