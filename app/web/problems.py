"""The OpenAPI ``responses`` entry of an RFC 9457 problem+json answer (app/errors.py)."""

from __future__ import annotations

from typing import Any

from app.errors import PROBLEM_MEDIA_TYPE

__all__ = ["PROBLEM", "problem"]

PROBLEM: dict[str, Any] = {"content": {PROBLEM_MEDIA_TYPE: {}}}


def problem(description: str) -> dict[str, Any]:
    """A problem+json entry with its own description (e.g. what a 429 means here)."""
    return {**PROBLEM, "description": description}
