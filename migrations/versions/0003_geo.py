"""Geography: where an incident is and where a unit was last seen; the camera registry.

Revision ID: 0003_geo
Revises: 0002_sync
Create Date: 2026-11-21 14:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_geo"
down_revision = "0002_sync"
branch_labels = None
depends_on = None

_SOURCES = ("carrier", "device", "geocoded", "manual")


def upgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Double(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "location_source",
                sa.Enum(*_SOURCES, name="locationsource", native_enum=False, length=20),
                nullable=True,
            )
        )
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("position_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "camera",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=False),
        sa.Column("longitude", sa.Double(), nullable=False),
        sa.Column("heading_deg", sa.Double(), nullable=True),
        sa.Column("fov_deg", sa.Double(), nullable=False),
        sa.Column(
            "owner",
            sa.Enum("public", "private", name="cameraowner", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "sharing",
            sa.Enum(
                "live", "alarm", "registry", name="camerasharing", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("main_url", sa.String(length=500), nullable=False),
        sa.Column("sub_url", sa.String(length=500), nullable=False),
        sa.Column("credential_ref", sa.String(length=120), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera")),
    )
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_camera_name"), ["name"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_name"))
    op.drop_table("camera")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_column("position_at")
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_column("location_source")
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
