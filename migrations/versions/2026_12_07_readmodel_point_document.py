"""Read model: the stored public documents of service points (issue #15).

Revision ID: readmodel_0001
Revises: accounts_0001
Create Date: 2026-12-07

The table starts empty: ``rumbo migrate`` builds the documents after upgrading (and
``rumbo documents rebuild`` does at any time); until then reads use the rendering path.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "readmodel_0001"
down_revision: str | Sequence[str] | None = "accounts_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "point_document",
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("view", sa.String(length=8), nullable=False),
        sa.Column("lang", sa.String(length=35), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("served", sa.String(length=35), nullable=False),
        sa.Column("head", sa.LargeBinary(), nullable=False),
        sa.Column("tail", sa.LargeBinary(), nullable=False),
        sa.Column("verification", sa.LargeBinary(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("opening_hours", sa.String(length=500), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("fresh_since_us", sa.BigInteger(), nullable=True),
        sa.Column("location_precision", sa.String(length=16), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["service_point.id"],
            name=op.f("fk_point_document_point_id_service_point"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("point_id", "view", "lang", name=op.f("pk_point_document")),
    )
    op.create_index("ix_point_document_public_id", "point_document", ["public_id"])
    op.create_table(
        "point_document_setting",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_point_document_setting")),
    )


def downgrade() -> None:
    op.drop_table("point_document_setting")
    op.drop_index("ix_point_document_public_id", table_name="point_document")
    op.drop_table("point_document")
