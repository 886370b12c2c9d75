"""Quality assurance: evaluation forms, review queue, scores (filled in by the QA work).

Revision ID: 0011_qa
Revises: 0010_review
Create Date: 2026-11-21 10:00:00
"""

from __future__ import annotations

revision = "0011_qa"
down_revision = "0010_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
