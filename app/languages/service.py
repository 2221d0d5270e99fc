"""The languages Rumbo serves, cached briefly in process (staff add languages rarely)."""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session

from app.i18n.tags import display_name
from app.languages import repository
from app.languages.schemas import LanguageRead

__all__ = ["LanguageCatalog", "list_languages"]


class LanguageCatalog:
    """Enabled language tags, re-read from the database at most every ``ttl`` seconds."""

    def __init__(self, ttl: float = 30.0) -> None:
        self._ttl = ttl
        self._tags: frozenset[str] = frozenset()
        self._loaded_at = -1e9
        self._lock = threading.Lock()

    def cached(self) -> frozenset[str] | None:
        """The tags while they are fresh (no database needed), else None."""
        return self._tags if time.monotonic() - self._loaded_at <= self._ttl else None

    def supported(self, session: Session) -> frozenset[str]:
        now = time.monotonic()
        if now - self._loaded_at > self._ttl:
            with self._lock:
                self._tags = frozenset(repository.enabled_tags(session))
                self._loaded_at = now
        return self._tags

    def invalidate(self) -> None:
        self._loaded_at = -1e9


def list_languages(session: Session, *, served: str) -> list[LanguageRead]:
    """Every enabled language with its own name and its name in the served language."""
    return [
        LanguageRead(tag=lang.tag, endonym=lang.endonym, name=display_name(lang.tag, served))
        for lang in repository.list_languages(session)
    ]
