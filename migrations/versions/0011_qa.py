"""Quality assurance: versioned evaluation forms and the evaluations made with them.

Revision ID: 0011_qa
Revises: 0010_review
Create Date: 2026-11-21 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_qa"
down_revision = "0010_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qa_form",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_form")),
    )
    # not unique: two different versions of one number made apart are both kept (qa.forms)
    with op.batch_alter_table("qa_form", schema=None) as batch_op:
        batch_op.create_index("ix_qa_form_name_version", ["name", "version"], unique=False)
    op.create_table(
        "qa_evaluation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=True),
        sa.Column("evaluated_id", sa.Uuid(), nullable=True),
        sa.Column("evaluated_name", sa.String(length=128), nullable=False),
        sa.Column("evaluator_id", sa.Uuid(), nullable=True),
        sa.Column("evaluator_name", sa.String(length=128), nullable=False),
        sa.Column("form_id", sa.Uuid(), nullable=False),
        sa.Column("form_name", sa.String(length=120), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column("form_spec", sa.Text(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("comments", sa.Text(), nullable=False),
        sa.Column("workstation", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("incident_created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["call.id"], name=op.f("fk_qa_evaluation_call_id_call")
        ),
        sa.ForeignKeyConstraint(
            ["evaluated_id"],
            ["user_account.id"],
            name=op.f("fk_qa_evaluation_evaluated_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["evaluator_id"],
            ["user_account.id"],
            name=op.f("fk_qa_evaluation_evaluator_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["form_id"], ["qa_form.id"], name=op.f("fk_qa_evaluation_form_id_qa_form")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_qa_evaluation_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_evaluation")),
    )
    with op.batch_alter_table("qa_evaluation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qa_evaluation_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_qa_evaluation_incident_created_at"),
            ["incident_created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_qa_evaluation_evaluated_id"), ["evaluated_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_qa_evaluation_incident_id"), ["incident_id"], unique=False
        )
    # the QA queue's and report's range reads (see the models' QA section)
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index("ix_qa_incident_closed", ["status", "closed_at"], unique=False)
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.create_index(
            "ix_qa_call_received", ["kind", "received_at", "answered_at"], unique=False
        )
    with op.batch_alter_table("sms_conversation", schema=None) as batch_op:
        batch_op.create_index("ix_qa_sms_conversation_opened", ["opened_at"], unique=False)
    with op.batch_alter_table("citizen_session", schema=None) as batch_op:
        batch_op.create_index("ix_qa_citizen_session_created", ["created_at"], unique=False)


def downgrade() -> None:
    for table, name in (
        ("citizen_session", "ix_qa_citizen_session_created"),
        ("sms_conversation", "ix_qa_sms_conversation_opened"),
        ("call", "ix_qa_call_received"),
        ("incident", "ix_qa_incident_closed"),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
    with op.batch_alter_table("qa_evaluation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qa_evaluation_incident_id"))
        batch_op.drop_index(batch_op.f("ix_qa_evaluation_evaluated_id"))
        batch_op.drop_index(batch_op.f("ix_qa_evaluation_incident_created_at"))
        batch_op.drop_index(batch_op.f("ix_qa_evaluation_at"))
    op.drop_table("qa_evaluation")
    with op.batch_alter_table("qa_form", schema=None) as batch_op:
        batch_op.drop_index("ix_qa_form_name_version")
    op.drop_table("qa_form")
