"""Country section notes in each language (``country_section_translation.note``).

A section's ``note`` ("to verify: ...") was one English string shown in every answer; each
translation now carries the note in its own language.

Revision ID: lang_0001
Revises: 0009_merge_domains
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "lang_0001"
down_revision: str | Sequence[str] | None = "0009_merge_domains"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("country_section_translation") as batch:
        batch.add_column(sa.Column("note", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("country_section_translation") as batch:
        batch.drop_column("note")
