"""PostgreSQL connections checked as they leave the pool, with no round trip when they
were just used.

SQLAlchemy's ``pool_pre_ping`` sends ``SELECT 1`` at every checkout: on the near-me page
(a search and its documents in one round trip, app/raw_reads.py) it was one round trip of
two, and the server's work for it. A connection back in the pool a moment ago and with
nothing to read on its socket is used as it is: a server that ended it (a restart, a
failover, ``pg_terminate_backend``) or a network that closed it leaves a message or the
end of the stream there, and is then pinged as before (and replaced when the ping fails).
One idle for longer than ``FRESH_S`` (where a silent network drop may have happened) is
pinged as before.
"""

from __future__ import annotations

import select
import time
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

__all__ = ["FRESH_S", "install"]

# How long (seconds) after its check-in a connection is trusted without a ping.
FRESH_S = 5.0
_RETURNED = "rumbo_returned_at"
_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE


def _quiet(dbapi_connection: Any) -> bool:
    """Whether the connection is open, idle and has nothing waiting on its socket."""
    try:
        if dbapi_connection.closed or dbapi_connection.info.transaction_status != _IDLE:
            return False
        poller = select.poll()  # any descriptor number (select() stops at 1024)
        poller.register(dbapi_connection.pgconn.socket, select.POLLIN)
        waiting = poller.poll(0)
    except Exception:  # anything odd: ping as before
        return False
    return not waiting


def install(engine: Engine) -> None:
    """Ping ``engine``'s connections at checkout unless just returned and quiet (instead
    of ``pool_pre_ping``, which must be off)."""
    dialect = engine.dialect

    @event.listens_for(engine.pool, "checkin")
    def _returned(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_RETURNED] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _checkout(
        dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection
    ) -> None:
        returned = record.info.pop(_RETURNED, None)
        if returned is None:
            return  # a new connection (a returned one always has the stamp)
        if time.monotonic() - returned < FRESH_S and _quiet(dbapi_connection):
            return
        # As ``pool_pre_ping`` does: a failed ping invalidates the pool's connections and
        # the checkout goes on with a new one.
        if not dialect._do_ping_w_event(dbapi_connection):
            raise InvalidatePoolError()
