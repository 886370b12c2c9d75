"""Evidence: legal holds on incidents (retention runs and evidence exports are audited, and keep
no table of their own).

Revision ID: 0009_evidence
Revises: 0008_audit_chain
Create Date: 2026-11-21 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_evidence"
down_revision = "0008_audit_chain"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "legal_hold",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("case_number", sa.String(length=64), nullable=False),
        sa.Column("placed_by", sa.Uuid(), nullable=True),
        sa.Column("placed_by_name", sa.String(length=128), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_by", sa.Uuid(), nullable=True),
        sa.Column("released_by_name", sa.String(length=128), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=False),
        sa.Column("workstation", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_legal_hold_incident_id_incident")
        ),
        sa.ForeignKeyConstraint(
            ["placed_by"], ["user_account.id"], name=op.f("fk_legal_hold_placed_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["released_by"],
            ["user_account.id"],
            name=op.f("fk_legal_hold_released_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_hold")),
    )
    with op.batch_alter_table("legal_hold", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_legal_hold_incident_id"), ["incident_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("legal_hold", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_hold_incident_id"))
    op.drop_table("legal_hold")
