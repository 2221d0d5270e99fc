"""Load curated country files (``seed/countries/XX.json``) through the write path."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.orm import Session

from app.countries import writing
from app.countries.schemas import CountryProfileInput

__all__ = ["load_countries"]

log = logging.getLogger("rumbo.seed")


def load_countries(session: Session, seed_dir: Path) -> dict[str, int]:
    """Every ``countries/*.json`` under ``seed_dir``; safe to run again (updates in place)."""
    created = updated = 0
    for path in sorted((seed_dir / "countries").glob("*.json")):
        data = CountryProfileInput.model_validate_json(path.read_bytes())
        if path.stem != data.code:
            raise ValueError(f"{path.name} holds country {data.code}; name it {data.code}.json")
        if writing.save_profile(session, data):
            created += 1
        else:
            updated += 1
    log.info("seed: %d countries created, %d updated", created, updated)
    return {"countries_created": created, "countries_updated": updated}
