"""The app's grid index (``app.maps.index``) at the current data version.

A request that finds the data version moved applies the changes logged since
(``sync_change``: the points they name are read again), under a lock, before answering.
When that log cannot tell (the first request of a process, another epoch, changes pruned,
a rolled-back history, a point deleted from the table, or too many changes), the index is
built again in bulk: seconds at a million points. That build runs in a thread of its own,
started when the app starts and again whenever a request finds a rebuild needed; until it
is done, map requests count in the database (tiles and clusters) or search its spatial
index (the corridor): the same answers, never a request waiting for a build. The build has
a time budget of its own (``BUILD_ALLOWANCE_S``), reads the points in chunks and gives up
beyond ``MAX_POINTS`` (the index's memory bound); after a failure it waits
``RETRY_AFTER_S`` before trying again.

``map_index_background=false`` (the test suite's setting: its data lives in a transaction
no other connection sees) builds in the request instead, as before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from app import budget as request_budget
from app import journal
from app.journal import repository as journal_repository
from app.maps import repository
from app.maps.index import MAX_POINTS, GridPoints, GridVersion

__all__ = ["BUILD_ALLOWANCE_S", "PointGrid", "grid_of", "invalidate", "start_build"]

_log = logging.getLogger(__name__)

BUILD_ALLOWANCE_S = 300.0
RETRY_AFTER_S = 30.0
_STATE_ATTR = "point_grid"

Sessions = Callable[[], Session]


def _version(session: Session) -> GridVersion:
    return journal.data_version(session), repository.latest_change(session)


class PointGrid:
    """The grid index of the current data version (None while it is being built)."""

    def __init__(
        self,
        max_changes: int = 20_000,
        *,
        sessions: Sessions | None = None,
        max_points: int = MAX_POINTS,
    ) -> None:
        self._lock = threading.Lock()
        self._points: GridPoints | None = None
        self.max_changes = max_changes
        self.max_points = max_points
        # Builds in a thread of their own on sessions of this maker; None: in the request.
        self._sessions = sessions
        self._building: threading.Thread | None = None
        self._failed_at: float | None = None
        self.builds = 0
        self.updates = 0

    def current(self, session: Session) -> GridPoints | None:
        """The index at the session's data version, or None while it is refreshed or built
        (the caller then reads the database: a request never waits for another's refresh
        nor for a build)."""
        version = _version(session)
        found = self._points
        if found is not None and found.version == version:
            return found
        if not self._lock.acquire(blocking=False):
            return None
        try:
            found = self._points
            if found is not None and found.version == version:
                return found
            if found is not None:
                updated = self._updated(session, found, version)
                if updated is not None:
                    self.updates += 1
                    self._points = updated
                    return updated
            if self._sessions is not None:
                self._start_locked()
                return None
            if self._failed_at is not None and time.monotonic() - self._failed_at < RETRY_AFTER_S:
                return None
            self._points = self._build_here(session, version)
            self._failed_at = time.monotonic() if self._points is None else None
            return self._points
        finally:
            self._lock.release()

    def _updated(
        self, session: Session, found: GridPoints, version: GridVersion
    ) -> GridPoints | None:
        """``found`` with the changes logged since its version applied; None when the
        log cannot tell what changed (a build is needed)."""
        (epoch, seq), (change_id, change_time) = found.version
        (new_epoch, new_seq), _ = version
        counter = journal_repository.counter(session)
        usable = (
            new_epoch == epoch
            and new_seq >= seq
            and counter.horizon <= seq
            and (change_id == 0 or repository.change_at(session, change_id) == change_time)
        )
        if not usable:
            return None
        changes = repository.changes_between(session, seq, new_seq)
        if len(changes) > self.max_changes:
            return None
        return found.updated(session, version, changes)

    def _build_here(self, session: Session, version: GridVersion) -> GridPoints | None:
        self.builds += 1
        # A build reads every public point: it is exempt from the request's time budget
        # (app.budget), once, rather than stopped and started again by every request.
        budget = request_budget.current()
        if budget is not None:
            budget.extend(BUILD_ALLOWANCE_S)
        return GridPoints.build(session, version, max_points=self.max_points)

    # Building in the background ----------------------------------------------------------

    def start(self) -> None:
        """Start a build in the background unless one runs (or failed a moment ago)."""
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        if self._sessions is None or self._building is not None:
            return
        if self._failed_at is not None and time.monotonic() - self._failed_at < RETRY_AFTER_S:
            return
        self._building = threading.Thread(target=self._build, name="rumbo-grid-build", daemon=True)
        self._building.start()

    def _build(self) -> None:
        assert self._sessions is not None
        points: GridPoints | None = None
        try:
            with request_budget.within_budget(BUILD_ALLOWANCE_S), self._sessions() as session:
                # The version first: a change while the chunks are read is applied again
                # by the next request (it reads the points it names), never lost.
                version = _version(session)
                started = time.perf_counter()
                points = GridPoints.build(session, version, max_points=self.max_points)
                _log.info(
                    "grid index built: %s points in %.1f s",
                    "too many" if points is None else len(points.ids),
                    time.perf_counter() - started,
                )
        except Exception:
            _log.exception("grid index build failed; map requests read the database")
        with self._lock:
            self._building = None
            self.builds += 1
            if points is None:
                self._failed_at = time.monotonic()
            else:
                self._failed_at = None
                self._points = points

    def ready(self) -> bool:
        """Whether an index is held (of some data version) and no build is running."""
        return self._points is not None and self._building is None

    def wait(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for a running build (benchmarks, tests)."""
        building = self._building
        if building is not None:
            building.join(timeout_s)
        return self.ready()

    def invalidate(self) -> None:
        with self._lock:
            self._points = None


def grid_of(state: Any) -> PointGrid:
    """The grid index of an app (``app.state``), created on first use."""
    grid: PointGrid | None = getattr(state, _STATE_ATTR, None)
    if grid is None:
        settings = getattr(state, "settings", None)
        background = settings is not None and settings.map_index_background
        grid = PointGrid(sessions=state.database.reader() if background else None)
        setattr(state, _STATE_ATTR, grid)
    return grid


def start_build(state: Any) -> None:
    """Start building an app's index in the background (at start-up), if it builds there."""
    grid_of(state).start()


def invalidate(state: Any) -> None:
    """Forget an app's index (tests that roll the database back behind the app's back)."""
    grid: PointGrid | None = getattr(state, _STATE_ATTR, None)
    if grid is not None:
        grid.invalidate()
