"""Bookkeeping of offline delivery: built bundles. The change sequence and the change rows
it reads are the journal's (:mod:`app.journal.models`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow

__all__ = ["SyncBundle"]


class SyncBundle(Base):
    """A built offline bundle of one country in one set of languages (``*``: all)."""

    __tablename__ = "sync_bundle"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    langs: Mapped[str] = mapped_column(String(200), primary_key=True)
    format: Mapped[int] = mapped_column(Integer)
    # The change sequence the snapshot reflects: no change of this country above it.
    seq: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str] = mapped_column(String(40))
    signature: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    raw_size: Mapped[int] = mapped_column(Integer)
    body_gzip: Mapped[bytes] = mapped_column(LargeBinary)
    body_br: Mapped[bytes] = mapped_column(LargeBinary)
    built_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
