"""Response compression: brotli or gzip, chosen by ``Accept-Encoding`` with q-values.

Pure ASGI. Compresses text-like bodies of at least ``minimum_size`` bytes, never a response
that already has a ``Content-Encoding`` (pre-compressed bundles), a 204 or a 304. The ETag that
:mod:`app.http_cache` derived from the body gets a ``-br``/``-gz`` suffix (a different
representation has a different strong validator), ignored when matching ``If-None-Match``;
a route's own ETag (a resource version that ``If-Match`` compares) is left as it is.
Streamed responses are compressed chunk by chunk.
"""

from __future__ import annotations

import zlib
from functools import lru_cache
from typing import Literal

import brotli
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http_cache import is_content_etag, merge_vary

__all__ = ["Compression", "choose_encoding"]

Coding = Literal["br", "gzip"]
_SUFFIX = {"br": b"-br", "gzip": b"-gz"}
_COMPRESSIBLE = (b"json", b"text/", b"xml", b"javascript", b"vnd.mapbox-vector-tile")


@lru_cache(maxsize=512)
def choose_encoding(accept_encoding: str) -> Coding | None:
    """The best coding the client accepts (``br`` wins a tie), or None for identity."""
    weights: dict[str, float] = {}
    for item in accept_encoding.split(",")[:16]:
        name, _, params = item.strip().partition(";")
        name = name.strip().lower()
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if name and 0.0 <= quality <= 1.0:
            weights[name] = quality
    star = weights.get("*", 0.0)
    best: Coding | None = None
    best_q = 0.0
    candidates: tuple[Coding, ...] = ("br", "gzip")
    for coding in candidates:
        quality = weights.get(coding, star)
        if quality > best_q:
            best, best_q = coding, quality
    return best


class _Encoder:
    def __init__(self, coding: Coding, *, gzip_level: int, brotli_quality: int) -> None:
        self.coding = coding
        if coding == "br":
            self._br = brotli.Compressor(quality=brotli_quality)
        else:
            self._gz = zlib.compressobj(gzip_level, zlib.DEFLATED, 31)

    def chunk(self, data: bytes) -> bytes:
        if self.coding == "br":
            return bytes(self._br.process(data) + self._br.flush())
        return self._gz.compress(data) + self._gz.flush(zlib.Z_SYNC_FLUSH)

    def finish(self, data: bytes = b"") -> bytes:
        if self.coding == "br":
            return bytes(self._br.process(data) + self._br.finish())
        return self._gz.compress(data) + self._gz.flush(zlib.Z_FINISH)


def _one_shot(coding: Coding, body: bytes, *, gzip_level: int, brotli_quality: int) -> bytes:
    if coding == "br":
        return bytes(brotli.compress(body, quality=brotli_quality))
    compressor = zlib.compressobj(gzip_level, zlib.DEFLATED, 31)
    return compressor.compress(body) + compressor.flush()


class Compression:
    def __init__(
        self,
        app: ASGIApp,
        *,
        minimum_size: int = 512,
        gzip_level: int = 6,
        brotli_quality: int = 5,
        buffer_size: int = 1024 * 1024,
    ) -> None:
        self.app = app
        self.buffer_size = buffer_size
        self.minimum_size = minimum_size
        self.gzip_level = gzip_level
        self.brotli_quality = brotli_quality

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = next((v for k, v in scope["headers"] if k == b"accept-encoding"), b"")
        coding = choose_encoding(accept.decode("latin-1")) if accept else None
        start: Message | None = None
        encoder: _Encoder | None = None
        passing = False
        buffered: list[bytes] = []
        size = 0

        async def begin(message: Message) -> None:
            """Decide from the headers and the first body bytes; pass through or compress."""
            nonlocal passing, encoder
            assert start is not None
            headers: list[tuple[bytes, bytes]] = list(start.get("headers", []))
            content_type = b""
            encoded = False
            for key, value in headers:
                if key == b"content-type":
                    content_type = value
                elif key == b"content-encoding":
                    encoded = True
            compressible = any(marker in content_type for marker in _COMPRESSIBLE)
            if compressible and not encoded:
                merge_vary(headers, b"Accept-Encoding")
            body = b"".join(buffered)
            more = message.get("more_body", False)
            if (
                coding is None
                or encoded
                or not compressible
                or start["status"] in (204, 304)
                or (not more and len(body) < self.minimum_size)
            ):
                passing = True
                start["headers"] = headers
                await send(start)
                await send({"type": "http.response.body", "body": body, "more_body": more})
                return
            headers = [(k, v) for k, v in headers if k != b"content-length"]
            headers.append((b"content-encoding", coding.encode()))
            for i, (key, value) in enumerate(headers):
                if key == b"etag" and is_content_etag(value):
                    headers[i] = (key, value[:-1] + _SUFFIX[coding] + b'"')
            if more:
                encoder = _Encoder(
                    coding, gzip_level=self.gzip_level, brotli_quality=self.brotli_quality
                )
                start["headers"] = headers
                await send(start)
                await send(
                    {"type": "http.response.body", "body": encoder.chunk(body), "more_body": True}
                )
                return
            data = _one_shot(
                coding, body, gzip_level=self.gzip_level, brotli_quality=self.brotli_quality
            )
            headers.append((b"content-length", str(len(data)).encode()))
            start["headers"] = headers
            passing = True
            await send(start)
            await send({"type": "http.response.body", "body": data})

        async def send_wrapper(message: Message) -> None:
            nonlocal start, size
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or passing:
                await send(message)
                return
            body = message.get("body", b"")
            more = message.get("more_body", False)
            if encoder is not None:
                data = encoder.chunk(body) if more else encoder.finish(body)
                await send({"type": "http.response.body", "body": data, "more_body": more})
                return
            # Bodies sent in pieces (e.g. through BaseHTTPMiddleware) are gathered up to
            # ``buffer_size`` so ordinary responses are compressed in one go, with a length.
            buffered.append(body)
            size += len(body)
            if more and size < self.buffer_size:
                return
            await begin(message)

        await self.app(scope, receive, send_wrapper)
