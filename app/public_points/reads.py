"""How the public face runs a read: in a worker thread bounded by the read pool, with the
app's cache of rendered points, answered with its language headers (the points router and
the maps share them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
from fastapi import Request

from app.public_points.rendering import RenderCache

__all__ = ["content_headers", "in_thread", "renderings"]

T = TypeVar("T")


def _readers(request: Request) -> anyio.CapacityLimiter:
    """At most as many searches at once as the read pool holds connections (waiting on the
    event loop is cheaper than what the pool does beyond its size; see ``read_slots``)."""
    limiter: anyio.CapacityLimiter = request.app.state.point_readers  # made by create_app
    return limiter


async def in_thread(request: Request, call: Callable[[], T]) -> T:
    """``call`` in a worker thread, at most as many at once as the read pool holds."""
    return await anyio.to_thread.run_sync(call, limiter=_readers(request))


def renderings(request: Request) -> RenderCache:
    """The app's cache of rendered points (made by create_app)."""
    cache: RenderCache = request.app.state.point_renderings
    return cache


def content_headers(languages: list[str]) -> dict[str, str]:
    """``Content-Language``: the languages the items' texts are in (see app.i18n.content)."""
    return {
        "Content-Language": ", ".join(languages),
        "Vary": "Accept, Accept-Language, Accept-Encoding",
    }
