"""Edges of `audit verify` found by review: entries outside the chain's live part, anchors
without a prune, an emptied trail."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert, update

from dispatch_desk.audit.verify import ChainReport, verify_all
from dispatch_desk.desk import DeskCore
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor
from dispatch_desk.storage.models import AuditChainAnchor, AuditEvent
from tests.helpers import audit_tamper as tamper
from tests.helpers.core import FakeClock

EVENTS = AuditEvent.__table__
ANCHORS = AuditChainAnchor.__table__


def _trail(core: DeskCore, actor: Actor, clock: FakeClock, n: int = 6) -> None:
    for i in range(n):
        core.store.write_sync(audit.record, actor, clock.advance(seconds=5), "test.event", n=i)


def _report(core: DeskCore) -> ChainReport:
    reports = core.store.read_sync(verify_all, core.workstation)
    [report] = [r for r in reports if r.workstation == core.workstation]
    return report


def _forged(core: DeskCore, clock: FakeClock, seq: int, **fields: Any) -> dict[str, Any]:
    row = {
        "id": uuid.uuid4(),
        "at": clock.advance(seconds=1),
        "user_id": None,
        "username": "supervisor",
        "workstation": core.workstation,
        "action": "recording.view",
        "entity_type": "incident",
        "entity_id": "2026-000123",
        "detail": '{"reason": "forged"}',
        "outcome": "ok",
        "seq": seq,
        "prev_hash": "",
        "hash": "",
        **fields,
    }
    with core.store.engine.begin() as conn:
        conn.execute(insert(EVENTS).values(**row))
    return row


def test_an_entry_with_seq_zero_or_below_is_a_break(
    core: DeskCore, dispatcher: Actor, clock: FakeClock
) -> None:
    _trail(core, dispatcher, clock)
    for seq in (0, -3):
        row = _forged(core, clock, seq)
        report = _report(core)
        assert report.broken is not None, report
        assert report.broken.id == str(row["id"])
        assert "outside the chain" in report.broken.problem
        with core.store.engine.begin() as conn:
            conn.execute(EVENTS.delete().where(EVENTS.c.id == row["id"]))


def test_an_entry_at_or_below_the_anchor_is_a_break(
    core: DeskCore, dispatcher: Actor, clock: FakeClock
) -> None:
    """After a prune nothing at or below the anchor exists; an entry there (edited, forged or
    put back) is never checked against the chain, yet the viewer would show it."""
    _trail(core, dispatcher, clock)
    with core.store.engine.begin() as conn:
        rows = tamper.chain(conn, core.workstation)
        conn.execute(
            insert(ANCHORS).values(
                id=uuid.uuid4(),
                workstation=core.workstation,
                through_seq=rows[1]["seq"],
                hash=rows[1]["hash"],
                pruned=2,
                at=rows[1]["at"],
            )
        )
        conn.execute(
            update(EVENTS)
            .where(EVENTS.c.id == rows[0]["id"])
            .values(username="mallory", hash="x" * 64)
        )
    report = _report(core)
    assert report.broken is not None, report
    assert report.broken.seq == rows[0]["seq"]
    assert "at or below the retention anchor" in report.broken.problem
