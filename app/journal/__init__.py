"""The change journal: the database's change sequence and one row per record changed.

Foundation layer: it knows tables and rows, never a domain. Writers call
:func:`~app.journal.session.record` (the same function for ORM flushes and bulk statements);
readers (offline sync, caches keyed on the data version, map tiles) read the counter and the
rows. Public surface::

    from app import journal
    journal.record(session, [journal.ChangeRow("point", public_id, country, lat, lon)])
    journal.take_seq(session); journal.current_seq(session); journal.data_version(session)
    journal.install()   # the session listeners that forget a rolled-back sequence number
"""

from app.journal.repository import ChangeRow, Counter, DataVersion
from app.journal.session import (
    current_seq,
    data_version,
    install,
    installed,
    record,
    record_selected,
    take_seq,
    uninstall,
)

__all__ = [
    "ChangeRow",
    "Counter",
    "DataVersion",
    "current_seq",
    "data_version",
    "install",
    "installed",
    "record",
    "record_selected",
    "take_seq",
    "uninstall",
]
