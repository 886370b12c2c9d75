"""Review: bookmarks and notes on a session's timeline, and the indexes the review search uses.

Revision ID: 0010_review
Revises: 0009_evidence
Create Date: 2026-11-21 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_review"
down_revision = "0009_evidence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_bookmark",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("media_id", sa.Uuid(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("author_name", sa.String(length=128), nullable=False),
        sa.Column("workstation", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_review_bookmark_author_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_review_bookmark_incident_id_incident")
        ),
        sa.ForeignKeyConstraint(
            ["media_id"],
            ["citizen_media.id"],
            name=op.f("fk_review_bookmark_media_id_citizen_media"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_bookmark")),
    )
    with op.batch_alter_table("review_bookmark", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_bookmark_incident_id"), ["incident_id"], unique=False
        )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index("ix_review_incident_type", ["type_code", "created_at"])
        batch_op.create_index("ix_review_incident_disposition", ["disposition", "created_at"])
        batch_op.create_index("ix_review_incident_created_by", ["created_by", "created_at"])
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.create_index("ix_review_call_taken_by", ["taken_by"])


def downgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_index("ix_review_call_taken_by")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index("ix_review_incident_created_by")
        batch_op.drop_index("ix_review_incident_disposition")
        batch_op.drop_index("ix_review_incident_type")
    with op.batch_alter_table("review_bookmark", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_bookmark_incident_id"))
    op.drop_table("review_bookmark")
