"""Feedback: the tag list, anonymous feedback and its tags; verification tasks.

Revision ID: 0005_feedback
Revises: 0001_core
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0005_feedback"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("feedback",)
depends_on: str | Sequence[str] | None = None

_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_OPEN = "status = 'open'"


def upgrade() -> None:
    op.create_table(
        "feedback_tag",
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("signal", sa.String(length=20), nullable=True),
        sa.Column("sentiment", sa.String(length=10), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_feedback_tag")),
    )
    op.create_table(
        "feedback_tag_translation",
        sa.Column("tag_code", sa.String(length=50), nullable=False),
        sa.Column("lang", sa.String(length=35), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["tag_code"],
            ["feedback_tag.code"],
            name=op.f("fk_feedback_tag_translation_tag_code_feedback_tag"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tag_code", "lang", name=op.f("pk_feedback_tag_translation")),
    )
    op.create_table(
        "feedback",
        sa.Column("id", _KEY, autoincrement=True, nullable=False),
        sa.Column("receipt", sa.String(length=36), nullable=False),
        sa.Column("point_id", _KEY, nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("comment_lang", sa.String(length=35), nullable=True),
        sa.Column("comment_lang_source", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("spam_score", sa.Float(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("content_digest", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_user_id", sa.String(length=36), nullable=True),
        sa.Column("decided_by_api_key_id", sa.String(length=36), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["service_point.id"],
            name=op.f("fk_feedback_point_id_service_point"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_feedback_idempotency_key")),
        sa.UniqueConstraint("receipt", name=op.f("uq_feedback_receipt")),
    )
    op.create_index("ix_feedback_point_id_created_at", "feedback", ["point_id", "created_at"])
    op.create_index("ix_feedback_status_id", "feedback", ["status", "id"])
    op.create_table(
        "feedback_tag_choice",
        sa.Column("feedback_id", _KEY, nullable=False),
        sa.Column("tag_code", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_id"],
            ["feedback.id"],
            name=op.f("fk_feedback_tag_choice_feedback_id_feedback"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_code"],
            ["feedback_tag.code"],
            name=op.f("fk_feedback_tag_choice_tag_code_feedback_tag"),
        ),
        sa.PrimaryKeyConstraint("feedback_id", "tag_code", name=op.f("pk_feedback_tag_choice")),
    )
    op.create_index(
        "ix_feedback_tag_choice_tag_code", "feedback_tag_choice", ["tag_code", "feedback_id"]
    )
    op.create_table(
        "verification_task",
        sa.Column("id", _KEY, autoincrement=True, nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("point_id", _KEY, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.Column("first_report_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_report_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("opened_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_user_id", sa.String(length=36), nullable=True),
        sa.Column("resolved_by_api_key_id", sa.String(length=36), nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("resolution_note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["service_point.id"],
            name=op.f("fk_verification_task_point_id_service_point"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_task")),
        sa.UniqueConstraint("public_id", name=op.f("uq_verification_task_public_id")),
    )
    op.create_index(
        "uq_verification_task_open_point_kind",
        "verification_task",
        ["point_id", "kind"],
        unique=True,
        sqlite_where=sa.text(_OPEN),
        postgresql_where=sa.text(_OPEN),
    )
    op.create_index(
        "ix_verification_task_status_point_id", "verification_task", ["status", "point_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_verification_task_status_point_id", table_name="verification_task")
    op.drop_index("uq_verification_task_open_point_kind", table_name="verification_task")
    op.drop_table("verification_task")
    op.drop_index("ix_feedback_tag_choice_tag_code", table_name="feedback_tag_choice")
    op.drop_table("feedback_tag_choice")
    op.drop_index("ix_feedback_status_id", table_name="feedback")
    op.drop_index("ix_feedback_point_id_created_at", table_name="feedback")
    op.drop_table("feedback")
    op.drop_table("feedback_tag_translation")
    op.drop_table("feedback_tag")
