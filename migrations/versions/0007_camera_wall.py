"""Camera wall: audited viewings, saved wall views, stills from cameras attached to incidents.

Revision ID: 0007_camera_wall
Revises: 0006_texting_rules
Create Date: 2026-11-21 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_camera_wall"
down_revision = "0006_texting_rules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "camera_viewing",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("camera_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("workstation", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("stream", sa.String(length=8), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_s", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["camera.id"], name=op.f("fk_camera_viewing_camera_id_camera")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_camera_viewing_incident_id_incident")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_camera_viewing_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_viewing")),
    )
    with op.batch_alter_table("camera_viewing", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_camera_viewing_camera_id"), ["camera_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_camera_viewing_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_camera_viewing_started_at"), ["started_at"], unique=False
        )

    op.create_table(
        "wall_view",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("workstation", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_wall_view_created_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wall_view")),
        sa.UniqueConstraint("name", name=op.f("uq_wall_view_name")),
    )

    op.create_table(
        "camera_still",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("camera_id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("taken_by", sa.Uuid(), nullable=True),
        sa.Column("workstation", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_to", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["camera.id"], name=op.f("fk_camera_still_camera_id_camera")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_camera_still_incident_id_incident")
        ),
        sa.ForeignKeyConstraint(
            ["taken_by"], ["user_account.id"], name=op.f("fk_camera_still_taken_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_still")),
    )
    with op.batch_alter_table("camera_still", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_camera_still_camera_id"), ["camera_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_camera_still_incident_id"), ["incident_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("camera_still", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_still_incident_id"))
        batch_op.drop_index(batch_op.f("ix_camera_still_camera_id"))
    op.drop_table("camera_still")
    op.drop_table("wall_view")
    with op.batch_alter_table("camera_viewing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_viewing_started_at"))
        batch_op.drop_index(batch_op.f("ix_camera_viewing_incident_id"))
        batch_op.drop_index(batch_op.f("ix_camera_viewing_camera_id"))
    op.drop_table("camera_viewing")
