"""The workstation's side of sync, on its SQLite cache: reading and acknowledging the outbox,
applying pulled changes by the merge rules, the pull cursor, enrolment and leased numbers.

Every function here takes a Session and runs inside one store transaction.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from dispatch_desk.events import note_change
from dispatch_desk.storage.models import Incident, NumberBlock, RowClock, SyncOutbox, SyncState
from dispatch_desk.sync import codec
from dispatch_desk.sync.hlc import GENESIS
from dispatch_desk.sync.merge import Entry, Existing, Key, Plan, plan

CURSOR = "pull_cursor"
ENROLLED = "enrolled"
CLOCK = "hlc"  # the clock's last stamp, so a restart never stamps behind what it had seen
CHUNK = 500


@dataclass(frozen=True)
class OutboxItem:
    seq: int
    table: str
    row_id: uuid.UUID
    hlc: str
    fields: str  # JSON {field: the stamp it had when edited, "" for a new row}
    row: str  # JSON object


def read_outbox(session: Session, limit: int) -> list[OutboxItem]:
    rows = session.execute(select(SyncOutbox).order_by(SyncOutbox.seq).limit(limit)).scalars()
    return [OutboxItem(r.seq, r.table_name, r.row_id, r.hlc, r.fields, r.row) for r in rows]


def ack_outbox(session: Session, upto_seq: int, clock: str) -> int:
    """Forget entries the central database has confirmed and keep the clock; returns how many
    saves are left."""
    session.execute(delete(SyncOutbox).where(SyncOutbox.seq <= upto_seq))
    set_state(session, CLOCK, clock)
    return pending_count(session)


def pending_count(session: Session) -> int:
    """How many saves are waiting to go up (one save writes several rows, all one stamp)."""
    return int(session.scalar(select(func.count(func.distinct(SyncOutbox.hlc)))) or 0)


def get_state(session: Session, key: str, default: str = "") -> str:
    value = session.get(SyncState, key)
    return value.value if value is not None else default


def set_state(session: Session, key: str, value: str) -> None:
    stmt = sqlite_insert(SyncState.__table__).values(key=key, value=value)
    session.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))


def cursor(session: Session) -> int:
    return int(get_state(session, CURSOR, "0"))


def enrol(session: Session) -> int:
    """Queue every synced row that was written before sync was configured (it has no clock yet),
    stamped with the genesis clock so that it never overrides anything central already has."""
    if get_state(session, ENROLLED):
        return 0
    clock = RowClock.__table__
    queued = 0
    for name in codec.SYNCED_TABLES:
        t = codec.table(name)
        rows = session.execute(
            select(t).where(~exists().where(clock.c.table_name == name, clock.c.row_id == t.c.id))
        ).mappings()
        batch = [dict(r) for r in rows]
        if not batch:
            continue
        fields = json.dumps(dict.fromkeys(sorted(t.columns.keys()), ""))
        session.execute(
            insert(SyncOutbox.__table__),
            [
                {
                    "table_name": name,
                    "row_id": r["id"],
                    "hlc": GENESIS,
                    "fields": fields,
                    "row": codec.encode_row(r),
                }
                for r in batch
            ],
        )
        session.execute(
            insert(clock),
            [
                {"table_name": name, "row_id": r["id"], "clocks": json.dumps({"*": GENESIS})}
                for r in batch
            ],
        )
        queued += len(batch)
    set_state(session, ENROLLED, "1")
    return queued


def to_entry(
    table: str, row_id: Any, hlc: str, fields: str, row: str, origin: str = "", seq: int = 0
) -> Entry:
    bases = json.loads(fields)
    if isinstance(bases, list):
        bases = dict.fromkeys(bases, "")
    return Entry(
        table=table,
        row_id=row_id if isinstance(row_id, uuid.UUID) else uuid.UUID(str(row_id)),
        hlc=hlc,
        fields=frozenset(bases),
        bases=bases,
        row=codec.decode_row(table, row),
        origin=origin,
        seq=seq,
    )


def _existing(session: Session, keys: set[Key]) -> dict[Key, Existing]:
    clock = RowClock.__table__
    found: dict[Key, Existing] = {}
    by_table: dict[str, list[uuid.UUID]] = {}
    for name, row_id in keys:
        by_table.setdefault(name, []).append(row_id)
    for name, ids in by_table.items():
        t = codec.table(name)
        for i in range(0, len(ids), CHUNK):
            part = ids[i : i + CHUNK]
            present = set(session.scalars(select(t.c.id).where(t.c.id.in_(part))))
            if not present:
                continue
            clocks = {
                r.row_id: json.loads(r.clocks)
                for r in session.execute(
                    select(clock.c.row_id, clock.c.clocks).where(
                        clock.c.table_name == name, clock.c.row_id.in_(present)
                    )
                )
            }
            statuses: dict[uuid.UUID, str] = {}
            if name == "incident":
                statuses = {
                    r.id: r.status.value
                    for r in session.execute(
                        select(Incident.id, Incident.status).where(Incident.id.in_(present))
                    )
                }
            for row_id in present:
                found[(name, row_id)] = Existing(clocks.get(row_id, {}), statuses.get(row_id))
    return found


def apply_plan(session: Session, merged: Plan) -> None:
    conn = session.connection()
    for name in merged.insert_order():
        for rows in codec.by_columns(merged.inserts[name]):
            conn.execute(insert(codec.table(name)), rows)
    for name, row_id, values in merged.updates:
        t = codec.table(name)
        conn.execute(update(t).where(t.c.id == row_id).values(**values))
    if merged.clocks:
        stmt = sqlite_insert(RowClock.__table__)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["table_name", "row_id"], set_={"clocks": stmt.excluded.clocks}
            ),
            [
                {"table_name": name, "row_id": row_id, "clocks": json.dumps(clocks)}
                for (name, row_id), clocks in merged.clocks.items()
            ],
        )


def apply_pulled(session: Session, entries: list[Entry], new_cursor: int, clock: str) -> int:
    """Merge changes pulled from central, move the cursor and keep the clock (which has seen
    them), in one transaction; returns how many rows changed. Change notices go out for what the
    windows show."""
    merged = plan(entries, _existing(session, {(e.table, e.row_id) for e in entries}))
    apply_plan(session, merged)
    set_state(session, CURSOR, str(new_cursor))
    set_state(session, CLOCK, clock)
    for (name, row_id), row in merged.rows.items():
        _notice(session, name, row_id, row)
    return merged.touched


def _notice(session: Session, name: str, row_id: uuid.UUID, row: dict[str, Any]) -> None:
    incident = row.get("incident_id")
    if name == "incident":
        note_change(session, "incident", row_id)
    elif name in ("call", "location") and incident:
        note_change(session, "incident", incident)
    elif name == "narrative_entry" and incident:
        note_change(session, "narrative", incident)
        note_change(session, "incident", incident)
    elif name == "unit":
        note_change(session, "unit", row_id)
    elif name == "unit_status_event":
        note_change(session, "unit", row["unit_id"])
    elif name == "assignment":
        note_change(session, "unit", row["unit_id"])
        note_change(session, "incident", incident)
    elif name == "audit_event":
        note_change(session, "audit", row_id)
    elif name == "user_account":
        note_change(session, "user", row_id)
    elif name == "sms_conversation":
        note_change(session, "conversation", row_id)
    elif name in ("incident_texting", "survey") and incident:
        note_change(session, "texting", incident)


# -- incident numbers leased from central


def leased_left(session: Session, year: int) -> int:
    left = session.scalar(
        select(func.sum(NumberBlock.last_value - NumberBlock.next_value + 1)).where(
            NumberBlock.year == year,
            NumberBlock.source == "lease",
            NumberBlock.next_value <= NumberBlock.last_value,
        )
    )
    return int(left or 0)


def add_lease(session: Session, year: int, first: int, last: int) -> None:
    session.add(NumberBlock(year=year, next_value=first, last_value=last, source="lease"))
