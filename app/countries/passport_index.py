"""What a passport's holder faces at a border, from the open Passport Index dataset.

The data lives in memory, read once from ``seed/passport-index/`` (not in a table), because:

- it is a dated third-party snapshot replaced whole when a new one is copied in, never edited
  row by row by staff (curated entry rules, which staff do edit, are in the database);
- 39,601 small rows fit in about 3 MB, and a dict answers a pair without a database round trip,
  identically on SQLite and PostgreSQL;
- keeping the file as the only copy means the date stated in answers (:data:`DATA_DATE`) can
  never disagree with rows left behind by an older load.

The reader uses :mod:`csv`, which keeps ``NA`` (Namibia) as a code instead of "missing".
"""

from __future__ import annotations

import csv
import datetime as dt
import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

__all__ = [
    "DATA_DATE",
    "DEFAULT_PATH",
    "EntryCategory",
    "EntryRule",
    "PassportIndex",
    "load_passport_index",
]

DEFAULT_PATH = (
    Path(__file__).resolve().parents[2] / "seed" / "passport-index" / "passport-index-tidy-iso2.csv"
)
# The upstream "Last updated" date of the copied file (see seed/passport-index/README.md).
DATA_DATE = dt.date(2025, 1, 12)
SOURCE_TITLE = "Passport Index dataset"
SOURCE_URL = "https://github.com/ilyankou/passport-index-dataset"
SOURCE_PUBLISHER = "Ilya Ilyankou (MIT licence), data from passportindex.org"


class EntryCategory(StrEnum):
    """What the holder of a passport needs to enter a country."""

    VISA_FREE = "visa_free"
    VISA_ON_ARRIVAL = "visa_on_arrival"
    ETA = "eta"
    E_VISA = "e_visa"
    VISA_REQUIRED = "visa_required"
    NO_ADMISSION = "no_admission"
    OWN_COUNTRY = "own_country"
    NO_DATA = "no_data"


_WORDS = {
    "visa free": EntryCategory.VISA_FREE,
    "visa on arrival": EntryCategory.VISA_ON_ARRIVAL,
    "eta": EntryCategory.ETA,
    "e-visa": EntryCategory.E_VISA,
    "visa required": EntryCategory.VISA_REQUIRED,
    "no admission": EntryCategory.NO_ADMISSION,
    "-1": EntryCategory.OWN_COUNTRY,
}


@dataclass(frozen=True, slots=True)
class EntryRule:
    """One cell of the dataset: the category, the days allowed when stated, the raw value."""

    category: EntryCategory
    days: int | None = None
    raw: str | None = None


NO_DATA = EntryRule(EntryCategory.NO_DATA)


def parse_requirement(raw: str) -> EntryRule:
    """``"90"`` -> visa free for 90 days; ``"e-visa"`` -> e-visa; raises on unknown values."""
    value = raw.strip().lower()
    if value in _WORDS:
        return EntryRule(_WORDS[value], raw=raw)
    if value.isdigit() and int(value) > 0:
        return EntryRule(EntryCategory.VISA_FREE, days=int(value), raw=raw)
    raise ValueError(f"unknown Passport Index requirement {raw!r}")


class PassportIndex:
    """The requirement for every (passport, destination) pair of the dataset."""

    def __init__(self, rules: dict[tuple[str, str], EntryRule]) -> None:
        self._rules = rules
        self.passports = frozenset(p for p, _ in rules)
        self.destinations = frozenset(d for _, d in rules)

    @classmethod
    def from_csv(cls, path: Path) -> PassportIndex:
        rules: dict[tuple[str, str], EntryRule] = {}
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                passport, destination = row["Passport"].strip(), row["Destination"].strip()
                rules[(passport, destination)] = parse_requirement(row["Requirement"])
        return cls(rules)

    def __len__(self) -> int:
        return len(self._rules)

    def rule(self, passport: str, destination: str) -> EntryRule:
        """The rule for holders of ``passport`` entering ``destination`` (``NO_DATA`` if absent)."""
        if passport == destination:
            return self._rules.get((passport, destination), EntryRule(EntryCategory.OWN_COUNTRY))
        return self._rules.get((passport, destination), NO_DATA)


_lock = threading.Lock()
_loaded: dict[Path, PassportIndex] = {}


def load_passport_index(path: Path = DEFAULT_PATH) -> PassportIndex:
    """The dataset at ``path``, read on first use and kept for the life of the process."""
    if (index := _loaded.get(path)) is not None:
        return index
    with _lock:
        if path not in _loaded:
            _loaded[path] = PassportIndex.from_csv(path)
        return _loaded[path]
