"""Sync: outbox, field clocks and state on every database; change log, receipts, number leases
and rejected changes on the central PostgreSQL only.

Revision ID: 0002_sync
Revises: 0001_initial
Create Date: 2026-11-21 10:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_sync"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_outbox",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("table_name", sa.String(length=32), nullable=False),
        sa.Column("row_id", sa.Uuid(), nullable=False),
        sa.Column("hlc", sa.String(length=96), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("row", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_sync_outbox")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "sync_row_clock",
        sa.Column("table_name", sa.String(length=32), nullable=False),
        sa.Column("row_id", sa.Uuid(), nullable=False),
        sa.Column("clocks", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "row_id", name=op.f("pk_sync_row_clock")),
    )
    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sync_state")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "sync_change",
        sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("origin", sa.String(length=64), nullable=False),
        sa.Column("table_name", sa.String(length=32), nullable=False),
        sa.Column("row_id", sa.Uuid(), nullable=False),
        sa.Column("hlc", sa.String(length=96), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("row", sa.Text(), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_sync_change")),
    )
    op.create_table(
        "sync_receipt",
        sa.Column("origin", sa.String(length=64), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("origin", name=op.f("pk_sync_receipt")),
    )
    op.create_table(
        "number_lease",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("first_value", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.Column("workstation", sa.String(length=64), nullable=False),
        sa.Column(
            "leased_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_number_lease")),
        sa.UniqueConstraint("year", "first_value", name=op.f("uq_number_lease_year_first_value")),
    )
    op.create_table(
        "sync_rejected",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("table_name", sa.String(length=32), nullable=False),
        sa.Column("row_id", sa.Uuid(), nullable=False),
        sa.Column("row", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_rejected")),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("sync_rejected", "number_lease", "sync_receipt", "sync_change"):
            op.drop_table(table)
    for table in ("sync_state", "sync_row_clock", "sync_outbox"):
        op.drop_table(table)
