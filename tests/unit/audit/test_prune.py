"""Retention removes the oldest part of each chain and leaves the rest verifiable."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from dispatch_desk.audit.prune import prune_audit
from dispatch_desk.audit.verify import verify_all
from dispatch_desk.desk import DeskCore
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor
from dispatch_desk.storage.models import AuditChainAnchor, AuditEvent
from tests.helpers import audit_tamper as tamper
from tests.helpers.core import START, FakeClock


def _events(core: DeskCore, ws: str) -> list[AuditEvent]:
    return core.store.read_sync(
        lambda s: list(
            s.scalars(
                select(AuditEvent).where(AuditEvent.workstation == ws).order_by(AuditEvent.seq)
            )
        )
    )


def _reports(core: DeskCore) -> dict[str, str]:
    return {r.workstation: str(r) for r in core.store.read_sync(verify_all, core.workstation)}


def test_prune_removes_only_an_old_prefix_and_the_rest_verifies(
    core: DeskCore, dispatcher: Actor, clock: FakeClock
) -> None:
    other = Actor.system("ws-other")
    old = START - timedelta(days=400)
    for i in range(5):
        core.store.write_sync(audit.record, dispatcher, old + timedelta(hours=i), "old", n=i)
        core.store.write_sync(audit.record, other, old + timedelta(hours=i), "old", n=i)
    # A clock that stepped back: an old-looking entry after a new one is kept, as is all after.
    core.store.write_sync(audit.record, dispatcher, START, "new")
    core.store.write_sync(audit.record, dispatcher, old + timedelta(days=1), "stepped-back")
    before_prune = {e.seq: e for e in _events(core, core.workstation)}
    cutoff = START - timedelta(days=365)

    removed, _ = core.store.write_sync(prune_audit, cutoff, actor=core.system_actor(), at=clock())

    left = _events(core, core.workstation)
    # This workstation's chain starts with the dispatcher's log-in at START (newer than the
    # cutoff), so its old entries after it are no prefix and stay; ws-other's five old go.
    assert removed == 5
    assert _events(core, "ws-other") == []
    assert [e.action for e in left][-3:] == ["new", "stepped-back", "audit.prune"]
    assert {e.seq for e in left} >= set(before_prune)
    [prune] = [e for e in left if e.action == "audit.prune"]
    detail = json.loads(prune.detail)
    assert detail["removed"] == 5
    anchor_hash = core.store.read_sync(
        lambda s: s.scalar(
            select(AuditChainAnchor.hash).where(AuditChainAnchor.workstation == "ws-other")
        )
    )
    assert detail["chains"] == {"ws-other": {"removed": 5, "through_seq": 5, "hash": anchor_hash}}
    reports = _reports(core)
    assert reports["ws-other"] == "ws-other: 0 entries, OK (pruned through seq 5)"
    assert reports[core.workstation].endswith("OK")


def test_prune_of_the_own_chain_keeps_it_verifiable_and_tampering_still_shows(
    core: DeskCore, clock: FakeClock
) -> None:
    ws = core.workstation
    actor = core.system_actor()
    # Everything on this fresh core so far (demo seeding, log-ins) happened at START.
    first_new = len(_events(core, ws))
    for i in range(6):
        core.store.write_sync(audit.record, actor, clock.advance(days=30), "monthly", n=i)
    cutoff = START + timedelta(days=95)  # START's entries and the first three monthly ones

    removed, _ = core.store.write_sync(prune_audit, cutoff, actor=actor, at=clock())
    assert removed == first_new + 3
    left = _events(core, ws)
    assert left[0].seq == first_new + 4
    assert all(e.at >= cutoff for e in left)
    anchor = core.store.read_sync(
        lambda s: s.scalar(select(AuditChainAnchor).where(AuditChainAnchor.workstation == ws))
    )
    assert (anchor.through_seq, anchor.pruned) == (first_new + 3, first_new + 3)
    assert left[0].prev_hash == anchor.hash
    assert _reports(core)[ws] == f"{ws}: 4 entries, OK (pruned through seq {first_new + 3})"

    # A second run with the same cutoff removes nothing more (only the audit of the run).
    again, _ = core.store.write_sync(prune_audit, cutoff, actor=actor, at=clock())
    assert again == 0
    count = core.store.read_sync(lambda s: s.scalar(select(func.count(AuditEvent.id))))
    assert count == 5

    # Deleting the first entry after the anchor is a gap, not a new start.
    with core.store.engine.begin() as conn:
        gone = tamper.delete_seq(conn, ws, first_new + 4)
    assert f"BROKEN at seq {gone['seq'] + 1}" in _reports(core)[ws]


def test_prune_removes_the_sync_bookkeeping_of_what_it_removed(tmp_path, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    """On a synced cache every audit row has a row clock; a pruned row's clock goes with it."""
    from sqlalchemy import text

    from tests.helpers.core import actor_for, make_core

    core = make_core(tmp_path, clock=clock, central__url="postgresql://nobody@127.0.0.1:1/x")
    try:
        assert core.store.capture is not None
        dispatcher = actor_for(core, "dispatcher")
        for _ in range(20):
            core.store.write_sync(audit.record, dispatcher, clock.advance(seconds=1), "cam")

        def orphans(session) -> int:  # type: ignore[no-untyped-def]
            return int(
                session.execute(
                    text(
                        "SELECT count(*) FROM sync_row_clock c WHERE c.table_name = 'audit_event'"
                        " AND NOT EXISTS (SELECT 1 FROM audit_event e WHERE e.id = c.row_id)"
                    )
                ).scalar()
            )

        removed, _ = core.store.write_sync(prune_audit, clock.advance(days=1), at=clock())
        assert removed >= 20
        assert core.store.read_sync(orphans) == 0
    finally:
        core.close()
