"""Review: bookmarks and notes on a session's timeline (filled in by the review work).

Revision ID: 0010_review
Revises: 0009_evidence
Create Date: 2026-11-21 10:00:00
"""

from __future__ import annotations

revision = "0010_review"
down_revision = "0009_evidence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
