"""Texting: every text in and out (the outbox is this table), and numbers that said STOP.

Revision ID: 0005_texting
Revises: 0004_citizen
Create Date: 2026-11-21 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_texting"
down_revision = "0004_citizen"
branch_labels = None
depends_on = None

_DIRECTIONS = ("in", "out")
_PURPOSES = ("conversation", "status", "invite", "survey", "auto_reply", "system")
_STATUSES = (
    "queued",
    "sending",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "received",
    "unknown",
)


def _enum(values: tuple[str, ...], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    op.create_table(
        "sms_message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("direction", _enum(_DIRECTIONS, "smsdirection"), nullable=False),
        sa.Column("purpose", _enum(_PURPOSES, "purpose"), nullable=False),
        sa.Column("from_e164", sa.String(length=32), nullable=False),
        sa.Column("to_e164", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", _enum(_STATUSES, "smsstatus"), nullable=False),
        sa.Column("provider_sid", sa.String(length=64), nullable=True),
        sa.Column("error_code", sa.String(length=16), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sending_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=True),
        sa.Column("conversation_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("media_count", sa.Integer(), nullable=False),
        sa.Column("workstation", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_message")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_sms_message_idempotency_key")),
        sa.UniqueConstraint("provider_sid", name=op.f("uq_sms_message_provider_sid")),
    )
    with op.batch_alter_table("sms_message", schema=None) as batch_op:
        batch_op.create_index("ix_sms_message_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sms_message_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sms_message_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sms_message_to_e164"), ["to_e164"], unique=False)

    op.create_table(
        "sms_consent",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("phone_e164", sa.String(length=32), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("keyword", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_consent")),
        sa.UniqueConstraint("phone_e164", name=op.f("uq_sms_consent_phone_e164")),
    )


def downgrade() -> None:
    op.drop_table("sms_consent")
    with op.batch_alter_table("sms_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_message_to_e164"))
        batch_op.drop_index(batch_op.f("ix_sms_message_incident_id"))
        batch_op.drop_index(batch_op.f("ix_sms_message_conversation_id"))
        batch_op.drop_index("ix_sms_message_due")
    op.drop_table("sms_message")
