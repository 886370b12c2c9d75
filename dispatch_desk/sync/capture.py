"""Change capture: every ORM write to a synced table leaves an outbox entry in the same
transaction, stamped with this workstation's hybrid logical clock.

Only sessions that carry a :class:`Capture` in ``session.info["sync_capture"]`` are captured
(the store adds it when a central database is configured); rows written by the sync engine
itself go through Core statements and are never captured again.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, delete, event, insert, inspect, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from dispatch_desk.storage.chunks import chunks
from dispatch_desk.storage.models import RowClock, SyncOutbox
from dispatch_desk.sync.codec import TABLE_ORDER, encode_row
from dispatch_desk.sync.hlc import GENESIS, HybridClock

logger = logging.getLogger(__name__)

GENESIS_FLAG = "sync_genesis"
# Rows that are one workstation's own running state, never seeded alike everywhere.
OWN_STATE_TABLES = frozenset({"audit_chain_head"})


@dataclass
class Capture:
    clock: HybridClock
    # Called (on the writing thread) after a commit that queued outbox entries.
    on_written: Callable[[], None] = field(default=lambda: None)


def mark_genesis(session: Session) -> None:
    """Stamp this transaction's rows with the genesis clock: seeded rows that every workstation
    makes alike (units, demo accounts) and that must lose to any real change."""
    session.info[GENESIS_FLAG] = True


def _columns(obj: Any) -> list[str]:
    return [c.key for c in obj.__table__.columns]


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _context: Any) -> None:
    if session.info.get("sync_capture") is None:
        return
    pending: dict[tuple[str, uuid.UUID], tuple[set[str], Any]] = session.info.setdefault(
        "sync_pending", {}
    )
    for obj in session.new:
        name = obj.__table__.name
        if name in TABLE_ORDER:
            pending[(name, obj.id)] = (set(_columns(obj)), obj)
    for obj in session.dirty:
        name = obj.__table__.name
        if name not in TABLE_ORDER:
            continue
        state = inspect(obj)
        changed = {
            key for key in _columns(obj) if key in state.attrs and state.attrs[key].history.added
        }
        if changed:
            fields, _ = pending.setdefault((name, obj.id), (set(), obj))
            fields.update(changed)
    for obj in session.deleted:
        if obj.__table__.name in TABLE_ORDER:
            logger.warning("deleting %s rows is not replicated", obj.__table__.name)


@event.listens_for(Session, "before_commit")
def _queue(session: Session) -> None:
    capture: Capture | None = session.info.get("sync_capture")
    if capture is None:
        return
    session.flush()
    pending: dict[tuple[str, uuid.UUID], tuple[set[str], Any]] = session.info.pop(
        "sync_pending", {}
    )
    if not pending:
        return
    stamp = GENESIS if session.info.get(GENESIS_FLAG) else capture.clock.now()
    # Parents first, so a batch cut anywhere never holds a child without its parent.
    ordered = sorted(pending.items(), key=lambda item: TABLE_ORDER[item[0][0]])
    conn = session.connection()
    known = read_clocks(conn, [key for key, _ in ordered])
    outbox, clocks = [], []
    own_state = any(name in OWN_STATE_TABLES for name, _ in pending)
    real = capture.clock.now() if stamp == GENESIS and own_state else stamp
    for (name, row_id), (fields, obj) in ordered:
        # A workstation's own running state (its audit chain head) is never "alike everywhere":
        # it keeps a real stamp even in a seeding transaction, so each advance wins over the last.
        stamp_of_row = real if name in OWN_STATE_TABLES else stamp
        held = known.get((name, row_id))
        # Each field travels with the stamp it had when this edit was made (its base): central
        # tells a concurrent edit (base no longer current there) from a plain update by it.
        if held is None:
            bases = dict.fromkeys(fields, "")
            held = {"*": stamp_of_row}
        else:
            bases = {f: held.get(f, held.get("*", GENESIS)) for f in fields}
            held = {**held, **dict.fromkeys(fields, stamp_of_row)}
        outbox.append(
            {
                "table_name": name,
                "row_id": row_id,
                "hlc": stamp_of_row,
                "fields": json.dumps(bases, sort_keys=True),
                "row": encode_row({k: getattr(obj, k) for k in _columns(obj)}),
            }
        )
        clocks.append({"table_name": name, "row_id": row_id, "clocks": json.dumps(held)})
    conn.execute(insert(SyncOutbox.__table__), outbox)
    upsert = sqlite_insert(RowClock.__table__)
    conn.execute(
        upsert.on_conflict_do_update(
            index_elements=["table_name", "row_id"], set_={"clocks": upsert.excluded.clocks}
        ),
        clocks,
    )
    session.info["sync_outbox_written"] = len(ordered)


def read_clocks(
    conn: Any, keys: list[tuple[str, uuid.UUID]]
) -> dict[tuple[str, uuid.UUID], dict[str, str]]:
    """The field stamps this cache holds for these rows (rows without any are left out)."""
    table = RowClock.__table__
    known: dict[tuple[str, uuid.UUID], dict[str, str]] = {}
    # One query for the rows of every table (a save of one row with its audit event and chain
    # head asks three tables; a query each cost a chained audit record ~0.2 ms): names x ids
    # through the primary key (table_name, row_id), and only the pairs asked for are kept.
    wanted = set(keys)
    names = sorted({k[0] for k in keys})
    ids = sorted({k[1] for k in keys})
    for part in chunks(ids):
        for row in conn.execute(
            select(table.c.table_name, table.c.row_id, table.c.clocks).where(
                table.c.table_name.in_(names), table.c.row_id.in_(part)
            )
        ):
            if (row.table_name, row.row_id) in wanted:
                known[(row.table_name, row.row_id)] = json.loads(row.clocks)
    return known


def forget_rows(
    session: Session, table_name: str, ids: Sequence[uuid.UUID] | Select[Any], on_central: bool
) -> None:
    """The sync bookkeeping of rows being deleted for good (retention, audit pruning): their
    row clocks, and on central their entries in the change log, so that a workstation pulling
    from the start does not get them back. ``ids``: a list (at most a chunk) or a query."""
    session.execute(
        delete(RowClock).where(RowClock.table_name == table_name, RowClock.row_id.in_(ids))
    )
    if on_central:
        from dispatch_desk.sync.central_schema import sync_change

        session.execute(
            delete(sync_change).where(
                sync_change.c.table_name == table_name, sync_change.c.row_id.in_(ids)
            )
        )
