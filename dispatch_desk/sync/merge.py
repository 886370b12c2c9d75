"""How a database takes in changes from elsewhere: the conflict rules, as one pure function.

The same :func:`plan` runs on the central database when a workstation pushes and on every
workstation when it pulls, so every copy ends the same whatever order the changes arrive in:

1. **Append-only records** (calls, narrative, audit, unit status events, locations...) have ids
   made where they were written, so they simply merge: a row already present is not inserted
   twice.
2. **Single-valued fields** keep the write with the latest hybrid-logical-clock stamp, field by
   field (``last-writer-wins``): a priority changed on one workstation and an address changed on
   another both survive; two changes to the same priority end with the later one everywhere.
3. **A closed incident stays closed** (``closed-stays-closed``): a status change that would
   reopen it, such as a unit assigned offline to an incident another workstation has closed,
   loses whatever its stamp.
4. **A unit is on one incident at a time** (``one-incident-per-unit``): enforced by the central
   database after each push (see :mod:`dispatch_desk.sync.central`), because it spans rows.

Each time a rule sets a change aside, the plan lists a :class:`Conflict`; the central database
writes it to the audit trail, which every workstation then pulls.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dispatch_desk.sync.codec import TABLE_ORDER
from dispatch_desk.sync.hlc import GENESIS

CLOSED = "closed"
# Fields every edit touches; losing them is not a conflict worth a dispatcher's attention.
BOOKKEEPING = frozenset({"updated_at", "status_changed_at"})

Key = tuple[str, uuid.UUID]


@dataclass(frozen=True)
class Entry:
    table: str
    row_id: uuid.UUID
    hlc: str
    fields: frozenset[str]
    row: dict[str, Any]  # the whole row after the change, as Python values
    origin: str = ""
    seq: int = 0
    # The stamp each field had where the edit was made ("" for a new row): if the receiver's
    # stamp differs, someone else wrote that field meanwhile, and the edits were concurrent.
    bases: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Existing:
    """What the receiving database already holds for a row."""

    clocks: dict[str, str]
    status: str | None = None  # incident.status, for the closed-stays-closed rule


@dataclass(frozen=True)
class Conflict:
    """Two writes met; the rule kept one (``kept_hlc``) and set the other aside."""

    rule: str
    table: str
    row_id: uuid.UUID
    fields: tuple[str, ...]
    kept_hlc: str
    set_aside_hlc: str


@dataclass
class Plan:
    inserts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    updates: list[tuple[str, uuid.UUID, dict[str, Any]]] = field(default_factory=list)
    clocks: dict[Key, dict[str, str]] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    # The rows that changed, as their latest incoming version (for change notices: ids, links).
    rows: dict[Key, dict[str, Any]] = field(default_factory=dict)

    def insert_order(self) -> list[str]:
        return sorted(self.inserts, key=TABLE_ORDER.__getitem__)

    @property
    def touched(self) -> int:
        return len(self.rows)


@dataclass
class _Work:
    clocks: dict[str, str]
    status: str | None
    insert: dict[str, Any] | None = None
    update: dict[str, Any] = field(default_factory=dict)
    last: dict[str, Any] = field(default_factory=dict)


def _status_of(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def plan(entries: Iterable[Entry], existing: dict[Key, Existing]) -> Plan:
    """Fold ``entries`` (in the order they were committed) onto what ``existing`` describes."""
    work: dict[Key, _Work] = {}
    result = Plan()
    for entry in entries:
        key = (entry.table, entry.row_id)
        w = work.get(key)
        if w is None:
            held = existing.get(key)
            if held is None:
                w = work[key] = _Work(
                    clocks={"*": entry.hlc},
                    status=_status_of(entry.row.get("status")),
                    insert=dict(entry.row),
                    last=entry.row,
                )
                continue
            w = work[key] = _Work(clocks=dict(held.clocks), status=held.status)
        w.last = entry.row
        _fold(w, entry, result)
    for key, w in work.items():
        if w.insert is not None:
            result.inserts.setdefault(key[0], []).append(w.insert)
        elif w.update:
            result.updates.append((key[0], key[1], w.update))
        else:
            continue
        result.clocks[key] = w.clocks
        result.rows[key] = w.last
    return result


def _fold(w: _Work, entry: Entry, result: Plan) -> None:
    won: list[str] = []
    lost: list[str] = []
    other = ""
    closed_rule = False
    for name in sorted(entry.fields):
        if name == "id" or name not in entry.row:
            continue
        current = w.clocks.get(name, w.clocks.get("*", GENESIS))
        value = entry.row[name]
        base = entry.bases.get(name, "")
        concurrent = (
            bool(base)
            and base != current
            and current not in (entry.hlc, GENESIS)
            and entry.hlc != GENESIS
            and name not in BOOKKEEPING
        )
        if entry.table == "incident" and name == "status":
            incoming = _status_of(value)
            if w.status == CLOSED and incoming != CLOSED:
                closed_rule, other = True, current
                continue
            if incoming == CLOSED and w.status != CLOSED:
                _set(w, name, value, max(current, entry.hlc))
                w.status = CLOSED
                if concurrent:
                    won.append(name)
                    other = current
                continue
        if entry.hlc > current:
            _set(w, name, value, entry.hlc)
            if name == "status" and entry.table == "incident":
                w.status = _status_of(value)
            if concurrent:
                won.append(name)
                other = current
        elif entry.hlc < current and concurrent:
            lost.append(name)
            other = current
    if closed_rule and entry.hlc != GENESIS:
        result.conflicts.append(
            Conflict(
                "closed-stays-closed", entry.table, entry.row_id, ("status",), other, entry.hlc
            )
        )
    if won:
        result.conflicts.append(
            Conflict("last-writer-wins", entry.table, entry.row_id, tuple(won), entry.hlc, other)
        )
    if lost:
        result.conflicts.append(
            Conflict("last-writer-wins", entry.table, entry.row_id, tuple(lost), other, entry.hlc)
        )


def _set(w: _Work, name: str, value: Any, stamp: str) -> None:
    w.clocks[name] = stamp
    if w.insert is not None:
        w.insert[name] = value
    else:
        w.update[name] = value
