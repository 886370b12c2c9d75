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


def test_an_anchor_without_the_prune_that_made_it_is_a_break(
    core: DeskCore, dispatcher: Actor, clock: FakeClock
) -> None:
    """Delete a chain's start and write an anchor for it by hand: without an audit.prune event
    naming that anchor (through seq and hash) the chain's start is not explained."""
    _trail(core, dispatcher, clock)
    with core.store.engine.begin() as conn:
        rows = tamper.chain(conn, core.workstation)
        victim = rows[3]
        conn.execute(
            EVENTS.delete().where(
                EVENTS.c.workstation == core.workstation, EVENTS.c.seq <= victim["seq"]
            )
        )
        conn.execute(
            insert(ANCHORS).values(
                id=uuid.uuid4(),
                workstation=core.workstation,
                through_seq=victim["seq"],
                hash=victim["hash"],
                pruned=victim["seq"],
                at=victim["at"],
            )
        )
    report = _report(core)
    assert report.broken is not None, report
    assert report.broken.seq == victim["seq"]
    assert "no audit.prune event" in report.broken.problem


def test_anchors_of_earlier_prunes_stay_explained_after_later_prunes(
    core: DeskCore, clock: FakeClock
) -> None:
    """Each prune names every anchor as it stands after the run, so an anchor made by a prune
    whose own event a later prune removed is still matched by the newest prune event."""
    from datetime import timedelta

    from dispatch_desk.audit.prune import prune_audit

    actor = core.system_actor()
    other = Actor.system("ws-other")
    for i in range(3):
        core.store.write_sync(audit.record, other, clock.advance(days=1), "old", n=i)
    core.store.write_sync(prune_audit, clock() + timedelta(seconds=1), actor=actor, at=clock())
    # Later runs: ws-other has nothing left to prune; this chain's start (with the first
    # prune's event) goes.
    for _ in range(2):
        _trail(core, actor, clock, n=2)
        clock.advance(days=30)
        core.store.write_sync(prune_audit, clock() - timedelta(days=1), actor=actor, at=clock())
    reports = {r.workstation: r for r in core.store.read_sync(verify_all, core.workstation)}
    assert all(r.ok for r in reports.values()), [str(r) for r in reports.values()]
    assert "pruned through seq 3" in str(reports["ws-other"])
    assert "pruned through seq" in str(reports[core.workstation])


def test_verify_streams_each_chain_in_flat_memory(core: DeskCore, clock: FakeClock) -> None:
    """A year of a busy desk is a million entries: verify keeps only each chain's previous hash
    (and the prune events' anchors), never the rows."""
    import json
    import tracemalloc
    from datetime import timedelta

    from sqlalchemy import update as sa_update

    from dispatch_desk.audit.chain import Link, head_id, seal
    from dispatch_desk.storage.models import AuditChainHead

    ws = core.workstation
    heads = AuditChainHead.__table__
    link = core.store.read_sync(
        lambda s: (lambda h: Link(h.seq, h.hash))(s.get(AuditChainHead, head_id(ws)))
    )
    at = clock()
    batch: list[dict[str, Any]] = []

    def flush(session: Any) -> None:
        session.execute(insert(EVENTS), batch)
        session.execute(
            sa_update(heads).where(heads.c.id == head_id(ws)).values(seq=link.seq, hash=link.hash)
        )

    for i in range(60_000):
        row = {
            "id": uuid.uuid4(),
            "at": at + timedelta(seconds=i),
            "user_id": None,
            "username": "u",
            "workstation": ws,
            "action": "camera.view",
            "entity_type": "camera",
            "entity_id": str(uuid.uuid4()),
            "detail": json.dumps({"reason": "incident 2026-1234 caller on scene", "n": i}),
            "outcome": "ok",
        }
        link = seal(row, link)
        batch.append(row)
        if len(batch) == 10_000:
            core.store.write_sync(flush)
            batch = []
    tracemalloc.start()
    try:
        reports = core.store.read_sync(verify_all, ws)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    [report] = [r for r in reports if r.workstation == ws]
    assert report.ok and report.entries >= 60_000, report
    assert peak < 8_000_000, f"verify held {peak / 1e6:.1f} MB"


def test_an_emptied_trail_on_a_cache_that_has_run_is_a_break(
    core: DeskCore, dispatcher: Actor, clock: FakeClock
) -> None:
    """Deleting every event and every head leaves nothing to walk; on this workstation's own
    cache, which holds users (it has run), a missing chain of its own is itself the break."""
    from dispatch_desk.storage.models import AuditChainHead

    _trail(core, dispatcher, clock)
    with core.store.engine.begin() as conn:
        conn.execute(EVENTS.delete())
        conn.execute(AuditChainHead.__table__.delete())
    reports = core.store.read_sync(verify_all, core.workstation)
    assert [r.workstation for r in reports] == [core.workstation]
    assert reports[0].broken is not None
    assert "no audit chain for this workstation" in reports[0].broken.problem
    # A database that is not this workstation's cache (own=None) has nothing to say.
    assert core.store.read_sync(verify_all, None) == []


def test_a_fresh_empty_cache_verifies(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.orm import Session

    from dispatch_desk.config.paths import resolve_paths
    from dispatch_desk.storage.database import open_sqlite
    from dispatch_desk.storage.migrate import upgrade

    engine = open_sqlite(tmp_path / "cache.sqlite3")
    try:
        upgrade(engine, resolve_paths().migrations_dir)
        with Session(engine) as session:
            assert verify_all(session, "ws-new") == []
    finally:
        engine.dispose()
