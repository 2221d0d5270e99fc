"""Service areas: area services (hotlines, online services, mobile teams) and their texts.

Revision ID: areas_0001
Revises: alerts_0001
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "areas_0001"
down_revision: str | Sequence[str] | None = "alerts_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = app.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "area_service",
        sa.Column("id", _KEY, autoincrement=True, nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("point_id", _KEY, nullable=True),
        sa.Column("area", sa.JSON(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("spoken_languages", sa.JSON(), nullable=False),
        sa.Column("phones", sa.JSON(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("whatsapp", sa.String(length=20), nullable=True),
        sa.Column("opening_hours", sa.String(length=500), nullable=True),
        sa.Column("free", sa.Boolean(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("original_language", sa.String(length=35), nullable=False),
        sa.Column("source_title", sa.String(length=300), nullable=True),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        sa.Column("source_publisher", sa.String(length=300), nullable=True),
        sa.Column("source_as_of", sa.Date(), nullable=True),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("deleted_at", _TIME, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_area_service_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["service_point.id"],
            name=op.f("fk_area_service_point_id_service_point"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area_service")),
        sa.UniqueConstraint("public_id", name=op.f("uq_area_service_public_id")),
        sa.UniqueConstraint("external_id", name=op.f("uq_area_service_external_id")),
    )
    op.create_index("ix_area_service_status", "area_service", ["status"])
    op.create_index("ix_area_service_organization_id", "area_service", ["organization_id"])
    op.create_table(
        "area_service_translation",
        sa.Column("area_service_id", _KEY, nullable=False),
        sa.Column("lang", sa.String(length=35), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["area_service_id"],
            ["area_service.id"],
            name=op.f("fk_area_service_translation_area_service_id_area_service"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "area_service_id", "lang", name=op.f("pk_area_service_translation")
        ),
    )


def downgrade() -> None:
    op.drop_table("area_service_translation")
    op.drop_index("ix_area_service_organization_id", table_name="area_service")
    op.drop_index("ix_area_service_status", table_name="area_service")
    op.drop_table("area_service")
