"""Countries: curated sections translated in rows, their sources, emergency numbers.

Revision ID: 0003_countries
Revises: 0001_core
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0003_countries"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("countries",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "country_profile",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("original_language", sa.String(length=35), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_country_profile")),
    )
    op.create_table(
        "country_emergency_number",
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["country_code"],
            ["country_profile.code"],
            name=op.f("fk_country_emergency_number_country_code_country_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "country_code", "position", name=op.f("pk_country_emergency_number")
        ),
    )
    op.create_table(
        "country_section",
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("last_reviewed", sa.Date(), nullable=False),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["country_code"],
            ["country_profile.code"],
            name=op.f("fk_country_section_country_code_country_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("country_code", "kind", name=op.f("pk_country_section")),
    )
    op.create_table(
        "country_section_source",
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("publisher", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["country_code", "kind"],
            ["country_section.country_code", "country_section.kind"],
            name=op.f("fk_country_section_source_country_code_country_section"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "country_code", "kind", "position", name=op.f("pk_country_section_source")
        ),
    )
    op.create_table(
        "country_section_translation",
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("lang", sa.String(length=35), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["country_code", "kind"],
            ["country_section.country_code", "country_section.kind"],
            name=op.f("fk_country_section_translation_country_code_country_section"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "country_code", "kind", "lang", name=op.f("pk_country_section_translation")
        ),
    )


def downgrade() -> None:
    op.drop_table("country_section_translation")
    op.drop_table("country_section_source")
    op.drop_table("country_section")
    op.drop_table("country_emergency_number")
    op.drop_table("country_profile")
