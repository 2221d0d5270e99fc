"""Alerts: alerts and their translations; Web Push subscriptions and their topics.

Revision ID: alerts_0001
Revises: precision_0001
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "alerts_0001"
down_revision: str | Sequence[str] | None = "precision_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = app.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", _KEY, autoincrement=True, nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("urgency", sa.String(length=10), nullable=False),
        sa.Column("certainty", sa.String(length=10), nullable=False),
        sa.Column("area", sa.JSON(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("effective_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        sa.Column("source_title", sa.String(length=300), nullable=True),
        sa.Column("original_language", sa.String(length=35), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("published_at", _TIME, nullable=True),
        sa.Column("published_by", sa.String(length=36), nullable=True),
        sa.Column("cancelled_at", _TIME, nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_alert_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
        sa.UniqueConstraint("public_id", name=op.f("uq_alert_public_id")),
    )
    op.create_index("ix_alert_status_expires_at", "alert", ["status", "expires_at"])
    op.create_index("ix_alert_organization_id", "alert", ["organization_id"])
    op.create_table(
        "alert_translation",
        sa.Column("alert_id", _KEY, nullable=False),
        sa.Column("lang", sa.String(length=35), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("instructions", sa.Text(), nullable=True),
        sa.Column("area_description", sa.String(length=500), nullable=True),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alert.id"],
            name=op.f("fk_alert_translation_alert_id_alert"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("alert_id", "lang", name=op.f("pk_alert_translation")),
    )
    op.create_table(
        "push_subscription",
        sa.Column("id", _KEY, autoincrement=True, nullable=False),
        sa.Column("endpoint_hash", sa.String(length=64), nullable=False),
        sa.Column("endpoint", sa.String(length=1000), nullable=False),
        sa.Column("p256dh", sa.String(length=200), nullable=False),
        sa.Column("auth", sa.String(length=100), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscription")),
        sa.UniqueConstraint("endpoint_hash", name=op.f("uq_push_subscription_endpoint_hash")),
    )
    op.create_index("ix_push_subscription_expires_at", "push_subscription", ["expires_at"])
    op.create_table(
        "push_topic",
        sa.Column("subscription_id", _KEY, nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["push_subscription.id"],
            name=op.f("fk_push_topic_subscription_id_push_subscription"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscription_id", "topic", name=op.f("pk_push_topic")),
    )
    op.create_index("ix_push_topic_topic", "push_topic", ["topic", "subscription_id"])


def downgrade() -> None:
    op.drop_index("ix_push_topic_topic", table_name="push_topic")
    op.drop_table("push_topic")
    op.drop_index("ix_push_subscription_expires_at", table_name="push_subscription")
    op.drop_table("push_subscription")
    op.drop_table("alert_translation")
    op.drop_index("ix_alert_organization_id", table_name="alert")
    op.drop_index("ix_alert_status_expires_at", table_name="alert")
    op.drop_table("alert")
