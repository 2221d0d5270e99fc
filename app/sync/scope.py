"""What a client syncs: one country or one map area, in a set of languages."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from app.geo.sphere import BBox
from app.i18n.negotiation import LanguagePreference

__all__ = ["ALL_LANGUAGES", "Languages", "Scope"]

ALL_LANGUAGES = "*"


@dataclass(frozen=True, slots=True)
class Scope:
    """Exactly one of ``country`` or ``bbox``."""

    country: str | None = None
    bbox: BBox | None = None

    def contains(self, country: str, lat: float | None, lon: float | None) -> bool:
        """Whether a record at this (public) place belongs to the scope (same test as the
        SQL): a point without a public location is in its country, in no map area."""
        if self.country is not None:
            return country == self.country
        assert self.bbox is not None
        return lat is not None and lon is not None and self.bbox.contains(lat, lon)

    def fingerprint_part(self) -> str:
        if self.country is not None:
            return f"c:{self.country}"
        assert self.bbox is not None
        box = self.bbox
        return f"b:{box.min_lon!r},{box.min_lat!r},{box.max_lon!r},{box.max_lat!r}"


@lru_cache(maxsize=256)
def _expanded(tags: tuple[str, ...], default: str) -> tuple[str, ...]:
    """:attr:`Languages.expanded` (asked for every record of a page: computed once)."""
    preference = LanguagePreference(requested=tags, chain=tags, served=tags[0] if tags else default)
    return preference.requested_expanded


@dataclass(frozen=True, slots=True)
class Languages:
    """The languages records carry: ``tags`` best first, or every language (``tags=None``).

    ``expanded`` adds each tag's base language (``fr-CA`` -> ``fr``) and the languages its
    speakers read (``ht`` -> ``fr``), as every other route negotiates
    (:class:`app.i18n.negotiation.LanguagePreference`).
    """

    tags: tuple[str, ...] | None
    default: str = "es"

    @property
    def everything(self) -> bool:
        return self.tags is None

    @property
    def expanded(self) -> tuple[str, ...]:
        return _expanded(self.tags or (), self.default)

    @property
    def key(self) -> str:
        """A stable name of the set (bundle storage, cursor fingerprints)."""
        return ALL_LANGUAGES if self.tags is None else ",".join(sorted(set(self.tags)))

    def pick(self, available: set[str], original: str | None = None) -> list[str]:
        """Which of a record's languages to send.

        Every language, or the requested ones it has plus its original language (the
        authoritative text, used for per-field fallback). A record without an original
        language (a category) gets the default language, or English, only when it has none of
        the requested ones.
        """
        if self.tags is None:
            return sorted(available)
        chosen = [t for t in self.expanded if t in available]
        if original is not None and original in available and original not in chosen:
            chosen.append(original)
        if not chosen:
            fallback = [t for t in (self.default, "en") if t in available] or sorted(available)
            chosen.extend(fallback[:1])
        return chosen
