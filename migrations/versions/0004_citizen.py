"""Citizen live sessions: the invite and its session, chat lines and media, tied to an incident.

Revision ID: 0004_citizen
Revises: 0003_geo
Create Date: 2026-11-21 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_citizen"
down_revision = "0003_geo"
branch_labels = None
depends_on = None

_KINDS = ("video", "location", "photos")
_STATES = (
    "invited",
    "opened",
    "consented",
    "live",
    "dark",
    "reconnecting",
    "paused",
    "ended",
    "declined",
    "expired",
    "revoked",
)
_MEDIA = ("photo", "video", "still", "recording", "events")


def _enum(values: tuple[str, ...], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    op.create_table(
        "citizen_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("kind", _enum(_KINDS, "invitekind"), nullable=False),
        sa.Column("state", _enum(_STATES, "sessionstate"), nullable=False),
        sa.Column("phone_e164", sa.String(length=16), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("device_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("workstation", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_citizen_session_created_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_citizen_session_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_citizen_session_token_hash")),
    )
    with op.batch_alter_table("citizen_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_citizen_session_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_citizen_session_state"), ["state"], unique=False)

    op.create_table(
        "citizen_message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("direction", _enum(("caller", "desk"), "direction"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_name", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_citizen_message_incident_id_incident")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["citizen_session.id"],
            name=op.f("fk_citizen_message_session_id_citizen_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_message")),
    )
    with op.batch_alter_table("citizen_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_citizen_message_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_citizen_message_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "citizen_media",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("kind", _enum(_MEDIA, "mediakind"), nullable=False),
        sa.Column("mime", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("workstation", sa.String(length=64), nullable=False),
        sa.Column("duration_s", sa.Double(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_citizen_media_incident_id_incident")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["citizen_session.id"],
            name=op.f("fk_citizen_media_session_id_citizen_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_media")),
    )
    with op.batch_alter_table("citizen_media", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_citizen_media_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_citizen_media_session_id"), ["session_id"], unique=False
        )


def downgrade() -> None:
    for table in ("citizen_media", "citizen_message"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_session_id"))
            batch_op.drop_index(batch_op.f(f"ix_{table}_incident_id"))
        op.drop_table(table)
    with op.batch_alter_table("citizen_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citizen_session_state"))
        batch_op.drop_index(batch_op.f("ix_citizen_session_incident_id"))
    op.drop_table("citizen_session")
