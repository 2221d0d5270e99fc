"""Languages the service offers content in; staff add new ones without a deploy."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class Language(Base):
    __tablename__ = "language"

    tag: Mapped[str] = mapped_column(String(35), primary_key=True)
    # The language's own name for itself ("Kreyòl ayisyen"), shown in pickers.
    endonym: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
