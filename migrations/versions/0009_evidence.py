"""Evidence: legal holds, retention runs, evidence exports (filled in by the evidence work).

Revision ID: 0009_evidence
Revises: 0008_audit_chain
Create Date: 2026-11-21 10:00:00
"""

from __future__ import annotations

revision = "0009_evidence"
down_revision = "0008_audit_chain"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
