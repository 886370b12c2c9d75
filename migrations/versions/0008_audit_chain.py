"""Audit trail chained by hash per workstation (filled in by the audit work).

Revision ID: 0008_audit_chain
Revises: 0007_camera_wall
Create Date: 2026-11-21 10:00:00
"""

from __future__ import annotations

revision = "0008_audit_chain"
down_revision = "0007_camera_wall"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
