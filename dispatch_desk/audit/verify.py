"""Walk every workstation's audit chain in one database and name the first broken link.

See dispatch_desk.audit.chain for what is and is not detected. ``own`` names the chain this
database writes itself (the workstation's own on a local cache, ``central`` on central): there
an entry beyond the head can only be forged. A synced copy of another workstation's chain may
run ahead of its head (the head travels after the entries in a sync batch) or be a prefix of
it; neither is a break. A head BEHIND nothing, i.e. naming a seq that is missing, always is.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.audit.chain import GENESIS, entry_hash
from dispatch_desk.storage.models import AuditChainAnchor, AuditChainHead, AuditEvent


@dataclass(frozen=True)
class Break:
    workstation: str
    seq: int | None
    id: str
    problem: str

    def __str__(self) -> str:
        where = f"seq {self.seq}" if self.seq is not None else "no seq"
        entry = f", id {self.id}" if self.id else ""
        return f"{self.workstation}: BROKEN at {where}{entry}: {self.problem}"


@dataclass
class ChainReport:
    workstation: str
    entries: int = 0
    first_seq: int = 0
    last_seq: int = 0
    head_seq: int | None = None
    broken: Break | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.broken is None

    def __str__(self) -> str:
        if self.broken is not None:
            return str(self.broken)
        extra = f" ({'; '.join(self.notes)})" if self.notes else ""
        return f"{self.workstation}: {self.entries} entries, OK{extra}"


_COLUMNS = (
    AuditEvent.id,
    AuditEvent.at,
    AuditEvent.user_id,
    AuditEvent.username,
    AuditEvent.workstation,
    AuditEvent.action,
    AuditEvent.entity_type,
    AuditEvent.entity_id,
    AuditEvent.detail,
    AuditEvent.outcome,
    AuditEvent.seq,
    AuditEvent.prev_hash,
    AuditEvent.hash,
)


def verify_all(session: Session, own: str | None) -> list[ChainReport]:
    """A report per workstation found in events, heads or anchors, sorted by name."""
    rows: dict[str, list[dict]] = defaultdict(list)
    query = select(*_COLUMNS).order_by(AuditEvent.workstation, AuditEvent.seq)
    for row in session.execute(query.execution_options(yield_per=5000)).mappings():
        rows[row["workstation"]].append(dict(row))
    heads = {h.workstation: (h.seq, h.hash) for h in session.scalars(select(AuditChainHead))}
    anchors = {
        a.workstation: (a.through_seq, a.hash) for a in session.scalars(select(AuditChainAnchor))
    }
    names = sorted(set(rows) | set(heads) | set(anchors))
    reports = [
        verify_chain(ws, rows.get(ws, []), heads.get(ws), anchors.get(ws), strict=ws == own)
        for ws in names
    ]
    explained = set()
    for ws, chain in rows.items():
        head = heads.get(ws)
        for row in chain:
            if row["action"] == "audit.prune" and head is not None and row["seq"] <= head[0]:
                explained |= pruned_anchors(row["detail"])
    for report in reports:
        anchor = anchors.get(report.workstation)
        if report.ok and anchor and (report.workstation, *anchor) not in explained:
            report.broken = Break(report.workstation, anchor[0], "", UNEXPLAINED)
    return reports


UNEXPLAINED = (
    "retention anchor with no audit.prune event naming it (a deleted start of the chain hidden?)"
)


def pruned_anchors(detail: str) -> set[tuple[str, int, str]]:
    """The anchors an ``audit.prune`` event names: (workstation, through seq, hash).

    Only an event inside the verified part of a chain counts (at or below its head): an entry
    beyond a synced copy's head is unchecked, and so is no evidence."""
    try:
        chains = json.loads(detail).get("chains", {})
        return {
            (ws, int(c["through_seq"]), str(c["hash"]))
            for ws, c in chains.items()
            if isinstance(c, dict) and "hash" in c
        }
    except (ValueError, AttributeError, KeyError, TypeError):
        return set()


def verify_chain(
    workstation: str,
    rows: list[dict],
    head: tuple[int, str] | None,
    anchor: tuple[int, str] | None,
    *,
    strict: bool,
) -> ChainReport:
    """``rows`` sorted by seq (None first, as PostgreSQL and SQLite sort NULLs differently,
    they are picked out here)."""
    report = ChainReport(workstation, head_seq=head[0] if head else None)

    def broken(seq: int | None, row_id: object, problem: str) -> ChainReport:
        report.broken = Break(workstation, seq, str(row_id or ""), problem)
        return report

    unchained = [r for r in rows if r["seq"] is None]
    if unchained:
        return broken(None, unchained[0]["id"], "entry without a place in the chain (no seq)")
    start, prev = (anchor[0], anchor[1]) if anchor else (0, GENESIS)
    # Nothing may stand outside the chain's live part: a seq below 1 is no place in a chain,
    # and after a prune nothing at or below the anchor exists in this database (the prune
    # deleted it; sync does not bring it back). Such an entry is never checked against the
    # chain, yet the viewer and the export would show it.
    for row in rows:
        if row["seq"] < 1:
            return broken(row["seq"], row["id"], "entry outside the chain (seq below 1)")
        if row["seq"] <= start:
            return broken(
                row["seq"], row["id"], f"entry at or below the retention anchor (seq {start})"
            )
    live = rows
    expected = start + 1
    by_seq: dict[int, str] = {}
    for row in live:
        seq = row["seq"]
        if seq == expected - 1:
            return broken(seq, row["id"], f"two entries at seq {seq} (one is forged)")
        if seq != expected:
            first = "the first entry" if expected == 1 and not anchor else f"seq {expected}"
            gap = f"{expected}..{seq - 1}" if seq - 1 > expected else f"{expected}"
            what = "deleted" if expected > 1 or anchor else "missing (no retention anchor)"
            return broken(seq, row["id"], f"gap: {first} to seq {gap} {what}")
        if row["prev_hash"] != prev:
            return broken(seq, row["id"], "link broken: prev_hash is not the previous entry's hash")
        if entry_hash(**row) != row["hash"]:
            return broken(seq, row["id"], "hash mismatch: the entry was changed")
        prev = row["hash"]
        by_seq[seq] = prev
        expected += 1
        report.entries += 1
    report.first_seq = live[0]["seq"] if live else 0
    report.last_seq = expected - 1
    last = report.last_seq
    if head is None:
        if live and strict:
            return broken(None, "", "missing head: the chain's head record is gone")
        if live:
            report.notes.append("head not yet synced")
        return report
    head_seq, head_hash = head
    if head_seq > last:
        missing = f"{last + 1}" if head_seq == last + 1 else f"{last + 1}..{head_seq}"
        return broken(
            head_seq, "", f"missing head entry: seq {missing} deleted (head is {head_seq})"
        )
    if head_seq > start and by_seq.get(head_seq) != head_hash:
        return broken(head_seq, "", "the head's hash does not match the entry at its seq")
    if head_seq == start and anchor and head_hash != anchor[1] and head_seq > 0:
        return broken(head_seq, "", "the head's hash does not match the retention anchor")
    if last > head_seq:
        if strict:
            row = next(r for r in live if r["seq"] == head_seq + 1)
            return broken(head_seq + 1, row["id"], "entry beyond the head (forged)")
        report.notes.append(f"{last - head_seq} beyond the synced head")
    if anchor:
        report.notes.append(f"pruned through seq {anchor[0]}")
    return report
