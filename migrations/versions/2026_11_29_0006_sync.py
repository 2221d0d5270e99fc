"""Sync: the change sequence, the change log and built offline bundles.

Revision ID: 0006_sync
Revises: 0001_core
Create Date: 2026-11-29

New tables only: ``service_point`` is not altered (its R*Tree/FTS5 triggers stay intact).
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0006_sync"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("sync",)
depends_on: str | Sequence[str] | None = None

_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    counter = op.create_table(
        "change_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("epoch", sa.String(length=32), nullable=False),
        sa.Column("horizon", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_counter")),
    )
    op.bulk_insert(counter, [{"id": 1, "value": 0, "epoch": uuid.uuid4().hex, "horizon": 0}])
    op.create_table(
        "sync_change",
        sa.Column("id", _KEY, autoincrement=True, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("changed_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_change")),
    )
    op.create_index("ix_sync_change_seq", "sync_change", ["seq"], unique=False)
    op.create_index("ix_sync_change_country_seq", "sync_change", ["country", "seq"], unique=False)
    op.create_table(
        "sync_bundle",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("langs", sa.String(length=200), nullable=False),
        sa.Column("format", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.String(length=40), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("raw_size", sa.Integer(), nullable=False),
        sa.Column("body_gzip", sa.LargeBinary(), nullable=False),
        sa.Column("body_br", sa.LargeBinary(), nullable=False),
        sa.Column("built_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("country", "langs", name=op.f("pk_sync_bundle")),
    )


def downgrade() -> None:
    op.drop_table("sync_bundle")
    op.drop_index("ix_sync_change_country_seq", table_name="sync_change")
    op.drop_index("ix_sync_change_seq", table_name="sync_change")
    op.drop_table("sync_change")
    op.drop_table("change_counter")
