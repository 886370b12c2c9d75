"""What someone with write access to a database could do to the audit trail, done with Core
statements straight on the table (no ORM session, no hooks, nothing queued for sync), on SQLite
or PostgreSQL alike."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from dispatch_desk.audit.chain import entry_hash
from dispatch_desk.storage.models import AuditEvent

EVENTS = AuditEvent.__table__


def chain(conn: Connection, workstation: str) -> list[dict[str, Any]]:
    query = select(EVENTS).where(EVENTS.c.workstation == workstation).order_by(EVENTS.c.seq)
    return [dict(r) for r in conn.execute(query).mappings()]


def _at(conn: Connection, workstation: str, seq: int) -> dict[str, Any]:
    return next(r for r in chain(conn, workstation) if r["seq"] == seq)


def edit_field(conn: Connection, workstation: str, seq: int) -> dict[str, Any]:
    row = _at(conn, workstation, seq)
    conn.execute(update(EVENTS).where(EVENTS.c.id == row["id"]).values(username="someone-else"))
    return row


def delete_seq(conn: Connection, workstation: str, seq: int) -> dict[str, Any]:
    row = _at(conn, workstation, seq)
    conn.execute(delete(EVENTS).where(EVENTS.c.id == row["id"]))
    return row


def delete_last(conn: Connection, workstation: str) -> dict[str, Any]:
    return delete_seq(conn, workstation, chain(conn, workstation)[-1]["seq"])


def swap(conn: Connection, workstation: str, seq_a: int, seq_b: int) -> None:
    """Reorder two entries by exchanging their places in the chain (their seq)."""
    a, b = _at(conn, workstation, seq_a), _at(conn, workstation, seq_b)
    conn.execute(update(EVENTS).where(EVENTS.c.id == a["id"]).values(seq=seq_b))
    conn.execute(update(EVENTS).where(EVENTS.c.id == b["id"]).values(seq=seq_a))


def forge_after(conn: Connection, workstation: str, after: int, **fields: Any) -> dict[str, Any]:
    """Insert a well-formed entry claiming the place after seq ``after``, its hash computed the way
    the desk computes it: the forger knows the algorithm (there is no secret)."""
    prev = _at(conn, workstation, after)
    row = {
        **prev,
        "id": uuid.uuid4(),
        "action": "user.create",
        "outcome": "ok",
        "detail": '{"role": "admin", "target": "mallory"}',
        "seq": after + 1,
        "prev_hash": prev["hash"],
        **fields,
    }
    row["hash"] = entry_hash(**row)
    conn.execute(insert(EVENTS).values(**row))
    return row
