"""Retention of the audit trail: remove each chain's oldest entries, keep the rest verifiable.

The retention job (dispatch_desk.evidence) calls :func:`prune_audit`. Only a PREFIX of a chain
goes: entries from the start of the chain while they are older than the cutoff, stopping at the
first newer one (an entry written when the clock was behind is kept, with all after it). The
chain then starts at an ``audit_chain_anchor`` holding the last removed seq and hash, and the
prune itself is an ``audit.prune`` event naming what went. Each database prunes by its own run
(sync does not replicate deletes).
"""

from __future__ import annotations

import socket
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.orm import Session

from dispatch_desk.audit.chain import CENTRAL
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, utc_now
from dispatch_desk.storage.models import AuditChainAnchor, AuditEvent
from dispatch_desk.sync.capture import forget_rows

CENTRAL_RETENTION = "central-retention"


def prune_audit(
    session: Session,
    before: datetime,
    *,
    actor: Actor | None = None,
    at: datetime | None = None,
    keep: Collection[str] = (),
) -> int:
    """Remove the chain prefixes older than ``before``; returns how many entries went.

    ``keep``: ids (incidents on legal hold) whose entries must stay. An entry about one of them
    (its entity, or named in its detail) ends its chain's prefix like an entry newer than the
    cutoff does: a chain is only ever cut at its start, so what follows it stays as well.

    ``actor`` is who runs retention (default: the system on this host's name, which is the
    default workstation id; pass the workstation's actor where there is one). On central
    (PostgreSQL) the default is ``central-retention``, and the run holds the push lock."""
    if before.tzinfo is None:
        raise ValueError("prune_audit needs an aware cutoff (UTC)")
    at = at or utc_now()
    on_central = session.get_bind().dialect.name == "postgresql"
    if on_central:
        # Central's own "central" chain is written by the sync engine and travels to every
        # workstation; the prune's record goes to a chain of its own that stays on central,
        # and the push lock keeps the sync engine out while the chains are cut.
        from dispatch_desk.sync.central import PUSH_LOCK

        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PUSH_LOCK})
        actor = actor or Actor.system(CENTRAL_RETENTION)
        if actor.workstation == CENTRAL:
            raise ValueError("on central, prune as another workstation than 'central'")
    actor = actor or Actor.system(socket.gethostname() or "workstation")
    anchors = {a.workstation: a for a in session.scalars(select(AuditChainAnchor))}
    names = set(session.scalars(select(AuditEvent.workstation).distinct()))
    removed: dict[str, tuple[int, int]] = {}
    for ws in sorted(names):
        anchor = anchors.get(ws)
        start = anchor.through_seq if anchor else 0
        # The first entry at or after the cutoff, or about something kept, ends the prefix.
        ends = [AuditEvent.at >= before]
        ends += [AuditEvent.entity_id == str(k) for k in keep]
        ends += [AuditEvent.detail.contains(str(k)) for k in keep]
        stop = session.scalar(
            select(AuditEvent.seq)
            .where(AuditEvent.workstation == ws, AuditEvent.seq > start, or_(*ends))
            .order_by(AuditEvent.seq)
            .limit(1)
        )
        last = session.execute(
            select(AuditEvent.seq, AuditEvent.hash)
            .where(AuditEvent.workstation == ws, AuditEvent.seq > start)
            .where(AuditEvent.seq < stop if stop is not None else True)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        ).first()
        if last is None:
            continue
        through, last_hash = last
        # Only a contiguous prefix: a gap (tampering) stops retention there, for verify to name.
        count = session.scalar(
            select(func.count(AuditEvent.id))
            .where(AuditEvent.workstation == ws, AuditEvent.seq > start)
            .where(AuditEvent.seq <= through)
        )
        if count != through - start:
            continue
        gone = AuditEvent.workstation == ws, AuditEvent.seq <= through
        forget_rows(session, "audit_event", select(AuditEvent.id).where(*gone), on_central)
        session.execute(delete(AuditEvent).where(*gone))
        if anchor is None:
            anchor = anchors[ws] = AuditChainAnchor(workstation=ws, pruned=0)
            session.add(anchor)
        anchor.through_seq, anchor.hash, anchor.at = through, last_hash, at
        anchor.pruned = (anchor.pruned or 0) + count
        removed[ws] = (count, through)
    total = sum(c for c, _ in removed.values())
    session.flush()
    # The event names EVERY anchor as it stands after this run (through seq and hash), not only
    # the ones moved now: `audit verify` wants an anchor explained by a prune event, and the
    # event of an earlier run may itself have been pruned since.
    audit.record(
        session,
        actor,
        at,
        "audit.prune",
        entity_type="audit",
        before=before.isoformat(),
        removed=total,
        chains={
            ws: {
                "removed": removed.get(ws, (0, 0))[0],
                "through_seq": a.through_seq,
                "hash": a.hash,
            }
            for ws, a in sorted(anchors.items())
        },
    )
    return total
