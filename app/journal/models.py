"""The journal's tables: the change sequence and the change rows.

``change_counter`` is one row. Every write transaction that touches journalled data takes the
next value once (``UPDATE ... SET value = value + 1 RETURNING value``), so a transaction is one
sequence number. On PostgreSQL the row lock is held until commit, so sequence numbers commit in
order; on SQLite writers are serialised by ``BEGIN IMMEDIATE``. Either way, when a reader sees
the counter at N, every change numbered N or less is committed and visible to it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow

__all__ = ["ChangeCounter", "SyncChange", "SyncKey"]

SyncKey = BigInteger().with_variant(Integer, "sqlite")


class ChangeCounter(Base):
    """The database's change sequence (a single row, ``id = 1``)."""

    __tablename__ = "change_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    # Random per database: a cursor from another database (or a rebuilt one) is refused.
    epoch: Mapped[str] = mapped_column(String(32))
    # The change log holds every change numbered above ``horizon``; older cursors resync.
    horizon: Mapped[int] = mapped_column(BigInteger, default=0)


class SyncChange(Base):
    """One record touched by one transaction, with where it is (or was) for scoping.

    A record that moves or disappears gets a row for its old place too, so a reader of the
    old country or map area learns that it left. Kinds: ``point`` (key: public id),
    ``category``, ``audience``, ``feedback_tag`` (key: code), ``country`` (key: ISO code),
    ``alert``, ``area_service`` (key: public id).
    """

    __tablename__ = "sync_change"
    __table_args__ = (
        Index("ix_sync_change_seq", "seq"),
        Index("ix_sync_change_country_seq", "country", "seq"),
    )

    id: Mapped[int] = mapped_column(SyncKey, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(64))
    # Null country and coordinates: a record every scope receives (the taxonomy).
    country: Mapped[str | None] = mapped_column(String(2))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
