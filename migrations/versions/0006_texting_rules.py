"""Texting rules: per-incident texting state, delay timers, surveys, text-to-911 conversations,
and the class of service of a call (only callers on a mobile phone get status texts).

Revision ID: 0006_texting_rules
Revises: 0005_texting
Create Date: 2026-11-21 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_texting_rules"
down_revision = "0005_texting"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_texting",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("phone_e164", sa.String(length=32), nullable=True),
        sa.Column("mobile", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("in_progress", sa.Boolean(), nullable=False),
        sa.Column("in_progress_set", sa.Boolean(), nullable=False),
        sa.Column("suppressed", sa.Boolean(), nullable=False),
        sa.Column("suppressed_by", sa.String(length=128), nullable=False),
        sa.Column("suppressed_reason", sa.String(length=300), nullable=False),
        sa.Column("suppressed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_incident_texting_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_texting")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_incident_texting_incident_id")),
    )
    with op.batch_alter_table("incident_texting", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_texting_finished"), ["finished"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_incident_texting_phone_e164"), ["phone_e164"], unique=False
        )

    op.create_table(
        "sms_conversation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("phone_e164", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("holder_id", sa.Uuid(), nullable=True),
        sa.Column("holder_name", sa.String(length=128), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=True),
        sa.Column("started_by", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("center_e164", sa.String(length=32), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("workstation", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["user_account.id"],
            name=op.f("fk_sms_conversation_holder_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_sms_conversation_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_conversation")),
    )
    with op.batch_alter_table("sms_conversation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sms_conversation_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sms_conversation_phone_e164"), ["phone_e164"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sms_conversation_state"), ["state"], unique=False)

    op.create_table(
        "survey",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("phone_e164", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_survey_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_survey_incident_id")),
    )
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.create_index("ix_survey_due", ["state", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_phone_e164"), ["phone_e164"], unique=False)

    op.create_table(
        "text_timer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_text_timer_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_timer")),
    )
    with op.batch_alter_table("text_timer", schema=None) as batch_op:
        batch_op.create_index("ix_text_timer_due", ["done_at", "due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_text_timer_incident_id"), ["incident_id"], unique=False
        )

    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("class_of_service", sa.String(length=8), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_column("class_of_service")

    with op.batch_alter_table("text_timer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_text_timer_incident_id"))
        batch_op.drop_index("ix_text_timer_due")

    op.drop_table("text_timer")
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_phone_e164"))
        batch_op.drop_index("ix_survey_due")

    op.drop_table("survey")
    with op.batch_alter_table("sms_conversation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_conversation_state"))
        batch_op.drop_index(batch_op.f("ix_sms_conversation_phone_e164"))
        batch_op.drop_index(batch_op.f("ix_sms_conversation_incident_id"))

    op.drop_table("sms_conversation")
    with op.batch_alter_table("incident_texting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_texting_phone_e164"))
        batch_op.drop_index(batch_op.f("ix_incident_texting_finished"))

    op.drop_table("incident_texting")
