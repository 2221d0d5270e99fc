"""In-process caches of values computed from the database, keyed by its data version.

Several worker processes serve one database, and any of them (or ``rumbo`` commands) may
write: a cache in process memory may keep a value only while nothing it was computed from
has changed anywhere. The data version is the database's change counter (``change_counter``,
one row: its random ``epoch`` and its ``value``), which every committed write of synced data
advances, from any process (``app/sync/tracking.py``: points and their texts, categories,
audiences, feedback tags, country information, organisations). Reading it is one
primary-key lookup per transaction, in the request's own read transaction, before the
value is computed: a cached value is never older than the version it is filed under.

    _TREE: VersionedCache[list[CategoryNode]] = VersionedCache()
    tree = _TREE.get(session, (pref.chain, pref.served), lambda: build(session, pref))

Only data whose every table advances the counter may be cached this way.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from app import journal
from app.journal.session import INFO_PREFIX

__all__ = ["DataVersion", "VersionedCache", "data_version", "invalidate_all"]

V = TypeVar("V")
# (the database's URL, the counter's epoch, its value)
DataVersion = tuple[str, str, int]

# Under the journal's prefix: its listeners forget it when the transaction ends.
_MEMO = INFO_PREFIX + "versioned_cache.version"
_ALL: weakref.WeakSet[VersionedCache[Any]] = weakref.WeakSet()


def data_version(session: Session) -> DataVersion:
    """The data version seen by ``session``'s transaction: the journal's (read once per
    transaction, forgotten when it ends by the journal's listeners), with the database."""
    found: DataVersion | None = session.info.get(_MEMO)
    if found is None:
        epoch, value = journal.data_version(session)
        url = session.get_bind().engine.url.render_as_string(hide_password=True)
        found = session.info[_MEMO] = (url, epoch, value)
    return found


def invalidate_all() -> None:
    """Drop the values of every cache (tests that roll back writes call this)."""
    for cache in list(_ALL):
        cache.invalidate()


class VersionedCache(Generic[V]):
    """Values by key, for one data version at a time (the newest seen); thread-safe."""

    def __init__(self, *, max_entries: int = 256) -> None:
        self._lock = threading.Lock()
        self._max = max_entries
        self._version: DataVersion | None = None
        self._values: dict[Hashable, V] = {}
        _ALL.add(self)

    def invalidate(self) -> None:
        """Drop every value (a test rolled back writes: the version went back)."""
        with self._lock:
            self._version, self._values = None, {}

    def get(self, session: Session, key: Hashable, compute: Callable[[], V]) -> V:
        """The value of ``key`` at ``session``'s data version, computed when missing."""
        version = data_version(session)
        with self._lock:
            if version == self._version and key in self._values:
                return self._values[key]
        value = compute()
        with self._lock:
            if version != self._version:
                if self._is_older(version):
                    return value  # a transaction older than the cache's: do not file it
                self._version, self._values = version, {}
            if len(self._values) >= self._max:
                self._values.clear()
            self._values[key] = value
        return value

    def _is_older(self, version: DataVersion) -> bool:
        current = self._version
        return current is not None and current[:2] == version[:2] and version[2] < current[2]
