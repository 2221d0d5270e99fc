"""Read model: opening hours precomputed per point as the instants their state changes.

Revision ID: readmodel_0002
Revises: readmodel_0001
Create Date: 2026-12-07

The columns start NULL (``open_now`` is then evaluated from ``opening_hours``, as before);
``rumbo migrate`` fills them (``app.documents.cli.ensure_built``), as does ``rumbo
documents rebuild`` or ``rumbo documents refresh-hours``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "readmodel_0002"
down_revision: str | Sequence[str] | None = "readmodel_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("point_document") as batch:
        batch.add_column(sa.Column("hours", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("hours_until", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("point_document") as batch:
        batch.drop_column("hours_until")
        batch.drop_column("hours")
