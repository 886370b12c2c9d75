"""Walk every workstation's audit chain in one database and name the first broken link.

See dispatch_desk.audit.chain for what is and is not detected. ``own`` names the chain this
database writes itself (the workstation's own on a local cache, ``central`` on central): there
an entry beyond the head can only be forged. A synced copy of another workstation's chain may
run ahead of its head (the head travels after the entries in a sync batch) or be a prefix of
it; neither is a break. A head BEHIND nothing, i.e. naming a seq that is missing, always is.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.audit.chain import CENTRAL, GENESIS, entry_hash
from dispatch_desk.storage.models import (
    AuditChainAnchor,
    AuditChainHead,
    AuditEvent,
    Incident,
    SyncState,
    User,
)


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
    """A report per workstation found in events, heads or anchors, sorted by name.

    One pass over the events in (workstation, seq) order, streamed: each chain keeps only its
    previous hash and where it stands, so memory stays flat however long the trail is."""
    heads = {h.workstation: (h.seq, h.hash) for h in session.scalars(select(AuditChainHead))}
    anchors = {
        a.workstation: (a.through_seq, a.hash) for a in session.scalars(select(AuditChainAnchor))
    }
    unchained: dict[str, str] = {}
    for ws, row_id in session.execute(
        select(AuditEvent.workstation, AuditEvent.id).where(AuditEvent.seq.is_(None))
    ):
        unchained.setdefault(ws, str(row_id))
    walks: dict[str, _Walk] = {}
    explained: set[tuple[str, int, str]] = set()
    query = (
        select(*_COLUMNS)
        .where(AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.workstation, AuditEvent.seq)
    )
    for row in session.execute(query.execution_options(yield_per=1000)).mappings():
        ws = row["workstation"]
        walk = walks.get(ws)
        if walk is None:
            walk = walks[ws] = _Walk(ws, heads.get(ws), anchors.get(ws), strict=ws == own)
        if walk.feed(row) and row["action"] == "audit.prune":
            explained |= pruned_anchors(row["detail"])
    names = sorted(set(walks) | set(heads) | set(anchors) | set(unchained))
    reports = []
    if own and own not in names and own != CENTRAL and _has_run(session):
        report = ChainReport(own)
        report.broken = Break(own, None, "", EMPTIED)
        reports.append(report)
    for ws in names:
        walk = walks.get(ws) or _Walk(ws, heads.get(ws), anchors.get(ws), strict=ws == own)
        report = walk.finish()
        if ws in unchained:
            report.broken = Break(
                ws, None, unchained[ws], "entry without a place in the chain (no seq)"
            )
        anchor = anchors.get(ws)
        if report.ok and anchor and (ws, *anchor) not in explained:
            report.broken = Break(ws, anchor[0], "", UNEXPLAINED)
        reports.append(report)
    return reports


EMPTIED = (
    "no audit chain for this workstation, yet this cache has run (it holds users, incidents "
    "or sync state): the trail and its head were emptied?"
)


def _has_run(session: Session) -> bool:
    """This cache has been used: every sign-in, incident and sync start is audited, so its
    workstation has a chain. (A new, empty cache has none, and nothing is wrong.)"""
    if session.get_bind().dialect.name != "sqlite":
        return False  # central: its own chain only exists once it has had to write one
    return any(
        session.scalar(select(table.c[key]).limit(1)) is not None
        for table, key in (
            (User.__table__, "id"),
            (Incident.__table__, "id"),
            (SyncState.__table__, "key"),
        )
    )


UNEXPLAINED = (
    "retention anchor with no audit.prune event naming it (a deleted start of the chain hidden?)"
)


def pruned_anchors(detail: str) -> set[tuple[str, int, str]]:
    """The anchors an ``audit.prune`` event names: (workstation, through seq, hash)."""
    try:
        chains = json.loads(detail).get("chains", {})
        return {
            (ws, int(c["through_seq"]), str(c["hash"]))
            for ws, c in chains.items()
            if isinstance(c, dict) and "hash" in c
        }
    except (ValueError, AttributeError, KeyError, TypeError):
        return set()


class _Walk:
    """Where one chain's walk stands; rows come in seq order."""

    def __init__(
        self,
        workstation: str,
        head: tuple[int, str] | None,
        anchor: tuple[int, str] | None,
        *,
        strict: bool,
    ) -> None:
        self.report = ChainReport(workstation, head_seq=head[0] if head else None)
        self.head, self.anchor, self.strict = head, anchor, strict
        self.start, self.prev = (anchor[0], anchor[1]) if anchor else (0, GENESIS)
        self.expected = self.start + 1
        self.at_head: str | None = None  # the hash of the entry at the head's seq
        self.beyond: str | None = None  # the id of the first entry after the head

    def _broken(self, seq: int | None, row_id: object, problem: str) -> bool:
        self.report.broken = Break(self.report.workstation, seq, str(row_id or ""), problem)
        return False

    def feed(self, row: Mapping[str, Any]) -> bool:
        """Take the next row; True when it is a verified link of the chain (at or below the
        head: an entry beyond a synced copy's head is unchecked, and so is no evidence)."""
        if self.report.broken is not None:
            return False
        seq, start, anchor = row["seq"], self.start, self.anchor
        # Nothing may stand outside the chain's live part: a seq below 1 is no place in a
        # chain, and after a prune nothing at or below the anchor exists in this database (the
        # prune deleted it; sync does not bring it back). Such an entry is never checked
        # against the chain, yet the viewer and the export would show it.
        if seq < 1:
            return self._broken(seq, row["id"], "entry outside the chain (seq below 1)")
        if seq <= start:
            return self._broken(
                seq, row["id"], f"entry at or below the retention anchor (seq {start})"
            )
        expected = self.expected
        if seq == expected - 1:
            return self._broken(seq, row["id"], f"two entries at seq {seq} (one is forged)")
        if seq != expected and expected == 1 and not anchor and not self.strict:
            # A copy of another workstation's chain pulled after central pruned its start
            # (central drops pruned entries from its change log, and anchors stay in the
            # database that pruned): it starts later, linked to what was pruned. Its start is
            # checked where the chain is whole or anchored (its owner, central).
            self.prev = row["prev_hash"]
            self.start = seq - 1
            self.report.notes.append(f"starts at seq {seq}: pruned before this copy was made")
            expected = self.expected = seq
        if seq != expected:
            first = "the first entry" if expected == 1 and not anchor else f"seq {expected}"
            gap = f"{expected}..{seq - 1}" if seq - 1 > expected else f"{expected}"
            what = "deleted" if expected > 1 or anchor else "missing (no retention anchor)"
            return self._broken(seq, row["id"], f"gap: {first} to seq {gap} {what}")
        if row["prev_hash"] != self.prev:
            return self._broken(
                seq, row["id"], "link broken: prev_hash is not the previous entry's hash"
            )
        if entry_hash(**row) != row["hash"]:
            return self._broken(seq, row["id"], "hash mismatch: the entry was changed")
        self.prev = row["hash"]
        if self.report.entries == 0:
            self.report.first_seq = seq
        self.report.entries += 1
        self.expected += 1
        head_seq = self.head[0] if self.head else None
        if seq == head_seq:
            self.at_head = self.prev
        elif head_seq is not None and seq == head_seq + 1:
            self.beyond = str(row["id"])
        return head_seq is not None and seq <= head_seq

    def finish(self) -> ChainReport:
        report, start, anchor = self.report, self.start, self.anchor
        if report.broken is not None:
            return report
        report.last_seq = last = self.expected - 1
        live = report.entries > 0
        if self.head is None:
            if live and self.strict:
                self._broken(None, "", "missing head: the chain's head record is gone")
            elif live:
                report.notes.append("head not yet synced")
            return report
        head_seq, head_hash = self.head
        if head_seq > last:
            missing = f"{last + 1}" if head_seq == last + 1 else f"{last + 1}..{head_seq}"
            self._broken(
                head_seq, "", f"missing head entry: seq {missing} deleted (head is {head_seq})"
            )
            return report
        if head_seq > start and self.at_head != head_hash:
            self._broken(head_seq, "", "the head's hash does not match the entry at its seq")
            return report
        if head_seq == start and anchor and head_hash != anchor[1] and head_seq > 0:
            self._broken(head_seq, "", "the head's hash does not match the retention anchor")
            return report
        if last > head_seq:
            if self.strict:
                self._broken(head_seq + 1, self.beyond, "entry beyond the head (forged)")
                return report
            report.notes.append(f"{last - head_seq} beyond the synced head")
        if anchor:
            report.notes.append(f"pruned through seq {anchor[0]}")
        return report


def compare_with_central(local: Session, central: Session, own: str) -> list[Break]:
    """The chains this cache and central both hold, compared seq by seq (each chain streamed
    from both in seq order): the first seq whose hashes differ in each chain, and for this
    workstation's own chain an entry central holds beyond this cache's head (the last entries
    deleted here and the head moved back, which this cache alone cannot show). Rows on one
    side only are otherwise no break: a copy catching up, an entry not yet pushed, a prune."""
    own_head = local.scalar(select(AuditChainHead.seq).where(AuditChainHead.workstation == own))
    names = select(AuditEvent.workstation).distinct()
    shared = set(local.scalars(names)) & set(central.scalars(names))
    found = []
    for ws in sorted(shared):  # one chain at a time: the two databases collate names apart
        query = (
            select(AuditEvent.seq, AuditEvent.id, AuditEvent.hash)
            .where(AuditEvent.workstation == ws, AuditEvent.seq.is_not(None))
            .order_by(AuditEvent.seq)
            .execution_options(yield_per=2000)
        )
        head = (own_head or 0) if ws == own else None
        mine, theirs = iter(local.execute(query)), iter(central.execute(query))
        broken = _first_difference(ws, mine, theirs, head)
        if broken is not None:
            found.append(broken)
    return found


def _first_difference(
    ws: str, mine: Iterator[Any], theirs: Iterator[Any], head: int | None
) -> Break | None:
    here, there = next(mine, None), next(theirs, None)
    while there is not None:
        if here is not None and here[0] < there[0]:
            here = next(mine, None)
            continue
        if here is None or there[0] < here[0]:
            if head is not None and there[0] > head:
                return Break(ws, there[0], str(there[1]), BEYOND_HERE)
            there = next(theirs, None)
            continue
        if here[2] != there[2]:
            return Break(ws, here[0], str(here[1]), "differs from central's copy of this entry")
        here, there = next(mine, None), next(theirs, None)
    return None


BEYOND_HERE = (
    "on central but not in this cache, beyond its head (deleted here and the head moved back?)"
)
