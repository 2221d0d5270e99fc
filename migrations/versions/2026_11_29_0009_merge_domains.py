"""Merge the domain branches of the first release into one head.

Revision ID: 0009_merge_domains
Revises: 0003_countries, 0004_accounts, 0005_feedback, 0006_sync, 0007_imports, 0008_search_vector
Create Date: 2026-11-29
"""

from collections.abc import Sequence

revision: str = "0009_merge_domains"
down_revision: str | Sequence[str] | None = (
    "0003_countries",
    "0004_accounts",
    "0005_feedback",
    "0006_sync",
    "0007_imports",
    "0008_search_vector",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to do: later migrations chain on this single head."""


def downgrade() -> None:
    """Nothing to do."""
