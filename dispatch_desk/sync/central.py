"""The central PostgreSQL's side of sync: taking a workstation's push, serving pulls, leasing
incident numbers, and the rules that span rows (a unit on one incident at a time).

Runs on psycopg's asyncio connection inside the sync engine's thread. Every push is one
transaction under one advisory lock, so change-log sequence numbers are handed out in commit
order and a puller's cursor never skips a change that committed late.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row

from dispatch_desk.audit.chain import CENTRAL, Link, head_id, seal
from dispatch_desk.storage.models import new_id
from dispatch_desk.sync import codec
from dispatch_desk.sync.hlc import HybridClock, node_of
from dispatch_desk.sync.local import OutboxItem, to_entry
from dispatch_desk.sync.merge import Conflict, Entry, Existing, Key, Plan, plan

logger = logging.getLogger(__name__)

CHANNEL = "dispatch_desk_sync"
PUSH_LOCK = 0x44_44_53_01  # "DDS" 1: one push at a time
LEASE_LOCK = 0x44_44_53_02


@dataclass(frozen=True)
class Pulled:
    seq: int
    origin: str
    entry: Entry


def _q(name: str) -> sql.Identifier:
    return sql.Identifier(name)


async def revision(conn: AsyncConnection[Any]) -> str | None:
    """The central schema's Alembic revision, or None for an empty database."""
    cur = await conn.execute("SELECT to_regclass('alembic_version') IS NOT NULL")
    row = await cur.fetchone()
    if not row or not row[0]:
        return None
    cur = await conn.execute("SELECT version_num FROM alembic_version")
    found = await cur.fetchone()
    return found[0] if found else None


# -- reading and writing rows by the merge plan


async def _existing(conn: AsyncConnection[Any], keys: Iterable[Key]) -> dict[Key, Existing]:
    by_table: dict[str, list[uuid.UUID]] = {}
    for name, row_id in keys:
        by_table.setdefault(name, []).append(row_id)
    found: dict[Key, Existing] = {}
    for name, ids in by_table.items():
        cur = await conn.execute(
            sql.SQL("SELECT id FROM {} WHERE id = ANY(%s)").format(_q(name)), (ids,)
        )
        present = [r[0] for r in await cur.fetchall()]
        if not present:
            continue
        cur = await conn.execute(
            "SELECT row_id, clocks FROM sync_row_clock WHERE table_name = %s AND row_id = ANY(%s)",
            (name, present),
        )
        clocks = {r[0]: json.loads(r[1]) for r in await cur.fetchall()}
        statuses: dict[uuid.UUID, str] = {}
        if name == "incident":
            cur = await conn.execute(
                "SELECT id, status FROM incident WHERE id = ANY(%s)", (present,)
            )
            statuses = {r[0]: r[1] for r in await cur.fetchall()}
        for row_id in present:
            found[(name, row_id)] = Existing(clocks.get(row_id, {}), statuses.get(row_id))
    return found


def _db(value: Any) -> Any:
    return getattr(value, "value", value)  # enums travel as their stored strings


async def _apply(conn: AsyncConnection[Any], merged: Plan) -> None:
    async with conn.cursor() as cur:
        for name in merged.insert_order():
            for rows in codec.by_columns(merged.inserts[name]):
                columns = list(rows[0])
                statement = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                    _q(name),
                    sql.SQL(", ").join(map(_q, columns)),
                    sql.SQL(", ").join(sql.Placeholder() * len(columns)),
                )
                await cur.executemany(statement, [[_db(r[c]) for c in columns] for r in rows])
        for name, row_id, values in merged.updates:
            statement = sql.SQL("UPDATE {} SET {} WHERE id = %s").format(
                _q(name),
                sql.SQL(", ").join(sql.SQL("{} = %s").format(_q(c)) for c in values),
            )
            await cur.execute(statement, [*map(_db, values.values()), row_id])
        if merged.clocks:
            await cur.executemany(
                "INSERT INTO sync_row_clock (table_name, row_id, clocks) VALUES (%s, %s, %s) "
                "ON CONFLICT (table_name, row_id) DO UPDATE SET clocks = excluded.clocks",
                [(n, i, json.dumps(c)) for (n, i), c in merged.clocks.items()],
            )


async def _log(conn: AsyncConnection[Any], origin: str, entries: Sequence[Entry]) -> None:
    async with conn.cursor() as cur:
        await cur.executemany(
            "INSERT INTO sync_change (origin, table_name, row_id, hlc, fields, row) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [
                (
                    e.origin or origin,
                    e.table,
                    e.row_id,
                    e.hlc,
                    json.dumps({f: e.bases.get(f, "") for f in sorted(e.fields)}),
                    codec.encode_row(e.row),
                )
                for e in entries
            ],
        )


async def _merge(conn: AsyncConnection[Any], entries: Sequence[Entry]) -> Plan:
    merged = plan(entries, await _existing(conn, {(e.table, e.row_id) for e in entries}))
    await _apply(conn, merged)
    return merged


# -- push


async def push(
    conn: AsyncConnection[Any], origin: str, items: Sequence[OutboxItem], clock: HybridClock
) -> int:
    """Apply a workstation's outbox batch; returns the highest seq now applied for ``origin``.

    Idempotent: central remembers the last seq it applied from each workstation and skips
    anything at or below it, so a batch resent after a crash or a lost reply changes nothing.
    """
    if not items:
        return 0
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (PUSH_LOCK,))
        cur = await conn.execute("SELECT last_seq FROM sync_receipt WHERE origin = %s", (origin,))
        row = await cur.fetchone()
        done = int(row[0]) if row else 0
        fresh = [i for i in items if i.seq > done]
        if not fresh:
            return done
        entries = [
            to_entry(i.table, i.row_id, i.hlc, i.fields, i.row, origin, i.seq) for i in fresh
        ]
        for e in entries:
            clock.observe(e.hlc)
        try:
            async with conn.transaction():  # a savepoint: a bad batch falls back to one by one
                merged = await _merge(conn, entries)
                await _log(conn, origin, entries)
        except psycopg.IntegrityError:
            merged = await _one_by_one(conn, origin, entries, clock)
        await _record_conflicts(conn, merged.conflicts, clock)
        await enforce_unit_rule(conn, merged, clock)
        last = fresh[-1].seq
        await conn.execute(
            "INSERT INTO sync_receipt (origin, last_seq) VALUES (%s, %s) ON CONFLICT (origin) "
            "DO UPDATE SET last_seq = excluded.last_seq, updated_at = now()",
            (origin, last),
        )
        await conn.execute(sql.SQL("NOTIFY {}").format(_q(CHANNEL)))
        return last


async def _one_by_one(
    conn: AsyncConnection[Any], origin: str, entries: Sequence[Entry], clock: HybridClock
) -> Plan:
    """Apply entries singly; one central cannot take (a duplicate number, say) is kept whole in
    ``sync_rejected`` with the reason and audited, and the rest of the batch goes through."""
    combined = Plan()
    for entry in entries:
        try:
            async with conn.transaction():
                merged = await _merge(conn, [entry])
                await _log(conn, origin, [entry])
        except psycopg.IntegrityError as exc:
            reason = str(exc).splitlines()[0]
            logger.warning(
                "central refused %s %s from %s: %s", entry.table, entry.row_id, origin, reason
            )
            await conn.execute(
                "INSERT INTO sync_rejected (id, origin, seq, table_name, row_id, row, error) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (
                    new_id(),
                    origin,
                    entry.seq,
                    entry.table,
                    entry.row_id,
                    codec.encode_row(entry.row),
                    reason,
                ),
            )
            await _central_write(
                conn,
                clock,
                [
                    _audit(
                        clock,
                        "sync.rejected",
                        entry.table,
                        entry.row_id,
                        outcome="refused",
                        workstation_of_change=origin,
                        reason=reason,
                    )
                ],
            )
            continue
        combined.conflicts.extend(merged.conflicts)
        combined.rows.update(merged.rows)
    return combined


async def _central_write(
    conn: AsyncConnection[Any], clock: HybridClock, entries: list[Entry]
) -> None:
    """Changes central makes itself (rule fixes, audit records): applied and logged like any."""
    if entries:
        entries = await _chain_audit(conn, clock, entries)
        await _merge(conn, entries)
        await _log(conn, CENTRAL, entries)


async def _chain_audit(
    conn: AsyncConnection[Any], clock: HybridClock, entries: list[Entry]
) -> list[Entry]:
    """Central's own audit events join its chain (dispatch_desk.audit.chain), in order; pushes
    hold the advisory lock, so there is one writer. The head travels after its entries."""
    events = [e for e in entries if e.table == "audit_event"]
    if not events:
        return entries
    cur = await conn.execute(
        "SELECT seq, hash FROM audit_chain_head WHERE id = %s", (head_id(CENTRAL),)
    )
    found = await cur.fetchone()
    link = Link(int(found[0]), str(found[1])) if found else Link()
    for e in events:
        link = seal(e.row, link)
    head = {
        "id": head_id(CENTRAL),
        "workstation": CENTRAL,
        "seq": link.seq,
        "hash": link.hash,
        "at": events[-1].row["at"],
    }
    fields = ["seq", "hash", "at"] if found else None
    return [*entries, _entry(clock, "audit_chain_head", head, fields)]


def _now() -> datetime:
    return datetime.now(UTC)


def _entry(
    clock: HybridClock, table: str, row: dict[str, Any], fields: Iterable[str] | None = None
) -> Entry:
    return Entry(
        table=table,
        row_id=row["id"],
        hlc=clock.now(),
        fields=frozenset(fields if fields is not None else row),
        row=row,
        origin=CENTRAL,
    )


def _audit(
    clock: HybridClock,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID,
    *,
    outcome: str = "ok",
    **detail: Any,
) -> Entry:
    row = {
        "id": new_id(),
        "at": _now(),
        "user_id": None,
        "username": "sync",
        "workstation": CENTRAL,
        "action": action,
        "entity_type": entity_type,
        "entity_id": str(entity_id),
        "detail": json.dumps(detail, default=str, ensure_ascii=False, sort_keys=True),
        "outcome": outcome,
        # Sealed into central's chain by _chain_audit when written.
        "seq": None,
        "prev_hash": None,
        "hash": None,
    }
    return _entry(clock, "audit_event", row)


async def _record_conflicts(
    conn: AsyncConnection[Any], conflicts: Sequence[Conflict], clock: HybridClock
) -> None:
    await _central_write(
        conn,
        clock,
        [
            _audit(
                clock,
                "sync.conflict",
                c.table,
                c.row_id,
                rule=c.rule,
                fields=list(c.fields),
                kept=c.kept_hlc,
                kept_from=node_of(c.kept_hlc),
                set_aside=c.set_aside_hlc,
                set_aside_from=node_of(c.set_aside_hlc),
            )
            for c in conflicts
        ],
    )


# -- the rule that spans rows: a unit is on one incident at a time


async def _rows(
    conn: AsyncConnection[Any], table: str, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, Any]]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            sql.SQL("SELECT * FROM {} WHERE id = ANY(%s)").format(_q(table)), (list(ids),)
        )
        return {r["id"]: dict(r) for r in await cur.fetchall()}


async def _observe(conn: AsyncConnection[Any], clock: HybridClock, keys: Sequence[Key]) -> None:
    if not keys:
        return
    cur = await conn.execute(
        "SELECT clocks FROM sync_row_clock WHERE table_name = %s AND row_id = ANY(%s)",
        (keys[0][0], [k[1] for k in keys]),
    )
    for (clocks,) in await cur.fetchall():
        for stamp in json.loads(clocks).values():
            clock.observe(stamp)


async def enforce_unit_rule(conn: AsyncConnection[Any], merged: Plan, clock: HybridClock) -> None:
    """After a push: every open assignment must be the one its unit is on, on an incident that
    is not closed. Others (two workstations sent one unit to two incidents while apart, or a unit
    was sent to an incident closed elsewhere) are cleared, with a narrative line on the incident
    and a ``sync.rule`` audit record, and the unit follows the assignment that stands."""
    units: set[uuid.UUID] = set()
    incidents: set[uuid.UUID] = set()
    for (name, row_id), row in merged.rows.items():
        if name == "unit":
            units.add(row_id)
        elif name == "assignment":
            units.add(row["unit_id"])
        elif name == "incident":
            incidents.add(row_id)
    if not units and not incidents:
        return
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT a.id, a.unit_id, a.incident_id, u.incident_id AS unit_on, u.call_sign, "
            "i.status, i.number FROM assignment a JOIN unit u ON u.id = a.unit_id "
            "JOIN incident i ON i.id = a.incident_id WHERE a.cleared_at IS NULL "
            "AND (a.unit_id = ANY(%s) OR a.incident_id = ANY(%s))",
            (list(units), list(incidents)),
        )
        open_rows = await cur.fetchall()
    wrong = [r for r in open_rows if r["status"] == "closed" or r["unit_on"] != r["incident_id"]]
    if not wrong:
        return
    # Stamp the fixes after every write they correct, whichever workstation's clock made it.
    await _observe(conn, clock, [("assignment", r["id"]) for r in wrong])
    await _observe(conn, clock, [("unit", r["unit_id"]) for r in wrong])
    await _observe(conn, clock, [("incident", r["incident_id"]) for r in wrong])
    now = _now()
    fixes: list[Entry] = []
    assignments = await _rows(conn, "assignment", [r["id"] for r in wrong])
    unit_rows = await _rows(conn, "unit", list({r["unit_id"] for r in wrong}))
    numbers = {r["incident_id"]: r["number"] for r in open_rows}
    still_open = {r["incident_id"] for r in open_rows if r not in wrong}
    for r in wrong:
        a = assignments[r["id"]]
        a["cleared_at"] = now
        fixes.append(_entry(clock, "assignment", a, ["cleared_at"]))
        fixes.append(
            _entry(
                clock,
                "unit_status_event",
                {
                    "id": new_id(),
                    "unit_id": r["unit_id"],
                    "incident_id": r["incident_id"],
                    "status": "cleared",
                    "at": now,
                    "user_id": None,
                    "workstation": CENTRAL,
                },
            )
        )
        if r["status"] == "closed":
            why = "it was assigned after the incident had been closed on another workstation"
        else:
            where = numbers.get(r["unit_on"]) or "another incident"
            why = f"it was assigned to {where} at the same time on another workstation"
        fixes.append(
            _entry(
                clock,
                "narrative_entry",
                {
                    "id": new_id(),
                    "incident_id": r["incident_id"],
                    "at": now,
                    "author_id": None,
                    "author_name": "Sync",
                    "text": f"{r['call_sign']} cleared from {r['number']}: {why} "
                    "(rule: one incident per unit).",
                },
            )
        )
        fixes.append(
            _audit(
                clock,
                "sync.rule",
                "unit",
                r["unit_id"],
                rule="one-incident-per-unit",
                unit=r["call_sign"],
                cleared_from=r["number"],
                kept=numbers.get(r["unit_on"]) or "",
            )
        )
        unit = unit_rows[r["unit_id"]]
        if unit["incident_id"] == r["incident_id"]:  # on a closed incident: free the unit
            unit.update(incident_id=None, status="available", status_changed_at=now)
            fixes.append(
                _entry(clock, "unit", dict(unit), ["incident_id", "status", "status_changed_at"])
            )
    orphaned = {r["incident_id"] for r in wrong if r["status"] == "active"} - still_open
    for incident in (await _rows(conn, "incident", list(orphaned))).values():
        incident.update(status="pending", updated_at=now)
        fixes.append(_entry(clock, "incident", incident, ["status", "updated_at"]))
    await _central_write(conn, clock, fixes)


# -- pull and leases


async def pull(conn: AsyncConnection[Any], after: int, limit: int) -> tuple[list[Pulled], int]:
    """Changes after ``after`` in commit order, and the newest seq central has."""
    cur = await conn.execute(
        "SELECT seq, origin, table_name, row_id, hlc, fields, row FROM sync_change "
        "WHERE seq > %s ORDER BY seq LIMIT %s",
        (after, limit),
    )
    rows = await cur.fetchall()
    head_cur = await conn.execute("SELECT coalesce(max(seq), 0) FROM sync_change")
    head = (await head_cur.fetchone() or (0,))[0]
    return (
        [
            Pulled(seq, origin, to_entry(table, row_id, hlc, fields, row, origin, seq))
            for seq, origin, table, row_id, hlc, fields, row in rows
        ],
        int(head),
    )


async def lease(
    conn: AsyncConnection[Any], workstation: str, year: int, size: int
) -> tuple[int, int]:
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (LEASE_LOCK,))
        cur = await conn.execute(
            "SELECT coalesce(max(last_value), 0) FROM number_lease WHERE year = %s", (year,)
        )
        top = int((await cur.fetchone() or (0,))[0])
        first, last = top + 1, top + size
        await conn.execute(
            "INSERT INTO number_lease (id, year, first_value, last_value, workstation) "
            "VALUES (%s, %s, %s, %s, %s)",
            (new_id(), year, first, last, workstation),
        )
    return first, last
