"""Audit trail chained by hash per workstation: seq, prev_hash and hash on every audit event,
the chain heads (synced) and the retention anchors (per database).

Existing events are chained here, per workstation in (at, id) order, on every database alike:
the encoding is deterministic, so central and each local cache compute the same hashes for the
rows they share. Events still waiting in a local outbox, and those in central's change
log, get their new fields in the logged row, so central and every workstation pulling from
the start receive them chained.

Revision ID: 0008_audit_chain
Revises: 0007_camera_wall
Create Date: 2026-11-21 10:00:00
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from dispatch_desk.audit.chain import Link, head_id, seal
from dispatch_desk.storage.types import UTCDateTime

revision = "0008_audit_chain"
down_revision = "0007_camera_wall"
branch_labels = None
depends_on = None

_CHAIN = ("seq", "prev_hash", "hash")


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_audit_event_chain", ["workstation", "seq"], unique=False)
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workstation", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
        sa.UniqueConstraint("workstation", name=op.f("uq_audit_chain_head_workstation")),
    )
    op.create_table(
        "audit_chain_anchor",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workstation", sa.String(length=64), nullable=False),
        sa.Column("through_seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("pruned", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_anchor")),
        sa.UniqueConstraint("workstation", name=op.f("uq_audit_chain_anchor_workstation")),
    )
    _chain_existing()


def _chain_existing() -> None:
    bind = op.get_bind()
    events = sa.table(
        "audit_event",
        sa.column("id", sa.Uuid()),
        sa.column("at", UTCDateTime()),
        sa.column("user_id", sa.Uuid()),
        sa.column("username", sa.String()),
        sa.column("workstation", sa.String()),
        sa.column("action", sa.String()),
        sa.column("entity_type", sa.String()),
        sa.column("entity_id", sa.String()),
        sa.column("detail", sa.Text()),
        sa.column("outcome", sa.String()),
        *(sa.column(c) for c in _CHAIN),
    )
    heads = sa.table(
        "audit_chain_head",
        sa.column("id", sa.Uuid()),
        sa.column("workstation", sa.String()),
        sa.column("seq", sa.Integer()),
        sa.column("hash", sa.String()),
        sa.column("at", UTCDateTime()),
    )
    plain = [c for c in events.c if c.key not in _CHAIN]
    links: dict[str, Link] = defaultdict(Link)
    last_at: dict[str, datetime] = {}
    sealed: dict[str, dict[str, object]] = {}
    for row in bind.execute(sa.select(*plain).order_by(events.c.at, events.c.id)).mappings():
        fields = dict(row)
        ws = fields["workstation"]
        links[ws] = seal(fields, links[ws])
        last_at[ws] = fields["at"]  # type: ignore[assignment]
        sealed[str(fields["id"])] = {c: fields[c] for c in _CHAIN}
        bind.execute(
            events.update()
            .where(events.c.id == fields["id"])
            .values(**{c: fields[c] for c in _CHAIN})
        )
    for ws, link in links.items():
        bind.execute(
            heads.insert().values(
                id=head_id(ws), workstation=ws, seq=link.seq, hash=link.hash, at=last_at[ws]
            )
        )
    # Audit rows still queued in a cache's outbox, and those already in central's change log
    # (which any workstation may pull from the start), get the chain fields the table's rows
    # got: every copy then receives the same chain.
    for log in ("sync_outbox", "sync_change"):
        if sealed and sa.inspect(bind).has_table(log):
            _mend_log(bind, log, sealed)


def _mend_log(bind: sa.Connection, log: str, sealed: dict[str, dict[str, object]]) -> None:
    """Logged audit rows travel with their chain fields (an insert carries every field)."""
    entries = sa.table(
        log,
        sa.column("seq", sa.Integer()),
        sa.column("table_name", sa.String()),
        sa.column("fields", sa.Text()),
        sa.column("row", sa.Text()),
    )
    queued = bind.execute(
        sa.select(entries.c.seq, entries.c.fields, entries.c.row).where(
            entries.c.table_name == "audit_event"
        )
    ).all()
    for seq, fields_text, row_text in queued:
        row = json.loads(row_text)
        chain = sealed.get(str(row.get("id")))
        if chain is None:
            continue
        row.update(chain)
        fields = json.loads(fields_text)
        fields.update(dict.fromkeys(_CHAIN, fields.get("id", "")))
        bind.execute(
            entries.update()
            .where(entries.c.seq == seq)
            .values(
                row=json.dumps(row, ensure_ascii=False, sort_keys=True),
                fields=json.dumps(fields, sort_keys=True),
            )
        )


def downgrade() -> None:
    op.drop_table("audit_chain_anchor")
    op.drop_table("audit_chain_head")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_chain")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
