"""The hash chain on a real SQLite cache: an untouched trail verifies; each way of tampering
with the table is named at the right entry."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Connection, delete, select

from dispatch_desk.audit.chain import GENESIS, head_id
from dispatch_desk.audit.verify import ChainReport, verify_all
from dispatch_desk.desk import DeskCore
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor
from dispatch_desk.storage.models import AuditChainHead, AuditEvent
from tests.helpers import audit_tamper as tamper
from tests.helpers.core import FakeClock, create_incident


def _trail(core: DeskCore, actor: Actor, clock: FakeClock, n: int = 6) -> None:
    for i in range(n):
        core.store.write_sync(
            audit.record, actor, clock.advance(seconds=5), "test.event", entity_id=str(i), n=i
        )


def _report(core: DeskCore, own: str | None = "") -> ChainReport:
    reports = core.store.read_sync(verify_all, core.workstation if own == "" else own)
    [report] = [r for r in reports if r.workstation == core.workstation]
    return report


def _tamper(core: DeskCore, fn: Callable[[Connection], Any]) -> Any:
    with core.store.engine.begin() as conn:
        return fn(conn)


def test_every_event_is_chained_and_the_trail_verifies(
    core: DeskCore, dispatcher: Actor, clock: FakeClock
) -> None:
    create_incident(core, dispatcher)
    _trail(core, dispatcher, clock)
    rows = core.store.read_sync(
        lambda s: s.execute(
            select(AuditEvent.seq, AuditEvent.prev_hash, AuditEvent.hash)
            .where(AuditEvent.workstation == core.workstation)
            .order_by(AuditEvent.seq)
        ).all()
    )
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    head = core.store.read_sync(lambda s: s.get(AuditChainHead, head_id(core.workstation)))
    assert (head.seq, head.hash) == (rows[-1].seq, rows[-1].hash)
    report = _report(core)
    assert report.ok, report
    assert report.entries == len(rows) >= 8  # two log-ins, the incident, six events
    assert str(report) == f"{core.workstation}: {len(rows)} entries, OK"


def test_events_of_one_transaction_chain_in_order(
    core: DeskCore, dispatcher: Actor, clock: FakeClock
) -> None:
    def many(session: Any) -> None:
        for i in range(50):
            audit.record(session, dispatcher, clock(), "test.batch", n=i)

    core.store.write_sync(many)
    assert _report(core).ok


@pytest.mark.parametrize(
    ("attack", "seq", "problem"),
    [
        (lambda c, ws: tamper.edit_field(c, ws, 4), 4, "hash mismatch: the entry was changed"),
        (lambda c, ws: tamper.delete_seq(c, ws, 4), 5, "gap: seq 4 to seq 4 deleted"),
        (lambda c, ws: tamper.swap(c, ws, 4, 5), 4, "link broken"),
        (lambda c, ws: tamper.forge_after(c, ws, 3), 4, "two entries at seq 4 (one is forged)"),
    ],
    ids=["edited", "middle-deleted", "reordered", "forged-into-the-middle"],
)
def test_tampering_is_named_at_the_first_broken_link(
    core: DeskCore, dispatcher: Actor, clock: FakeClock, attack: Any, seq: int, problem: str
) -> None:
    _trail(core, dispatcher, clock)
    _tamper(core, lambda c: attack(c, core.workstation))
    report = _report(core)
    assert not report.ok
    assert report.broken is not None
    assert report.broken.seq == seq
    assert problem in report.broken.problem
    assert f"{core.workstation}: BROKEN at seq {seq}, id " in str(report)


def test_a_deleted_last_entry_is_seen_through_the_head(
    core: DeskCore, dispatcher: Actor, clock: FakeClock
) -> None:
    _trail(core, dispatcher, clock)
    gone = _tamper(core, lambda c: tamper.delete_last(c, core.workstation))
    report = _report(core)
    assert report.broken is not None
    assert report.broken.seq == gone["seq"]
    assert f"seq {gone['seq']} deleted" in report.broken.problem


def test_a_forged_entry_after_the_last_is_beyond_the_head(
    core: DeskCore, dispatcher: Actor, clock: FakeClock
) -> None:
    _trail(core, dispatcher, clock)
    last = _tamper(core, lambda c: tamper.chain(c, core.workstation))[-1]["seq"]
    _tamper(core, lambda c: tamper.forge_after(c, core.workstation, last))
    report = _report(core)
    assert report.broken is not None
    assert report.broken.seq == last + 1
    assert "beyond the head (forged)" in report.broken.problem
    # On a database that only holds a synced copy of this chain, entries ahead of the head are
    # a sync batch cut between rows and head: noted, not a break.
    copy = _report(core, own=None)
    assert copy.ok, copy
    assert "1 beyond the synced head" in str(copy)


def test_a_deleted_head_is_named_and_the_chain_does_not_quietly_continue(
    core: DeskCore, dispatcher: Actor, clock: FakeClock
) -> None:
    _trail(core, dispatcher, clock)
    _tamper(
        core,
        lambda c: c.execute(
            delete(AuditChainHead.__table__).where(
                AuditChainHead.__table__.c.workstation == core.workstation
            )
        ),
    )
    assert "missing head" in str(_report(core))
    # The next event starts the chain again: a second seq 1 that verify names.
    _trail(core, dispatcher, clock, n=1)
    assert "two entries at seq 1" in str(_report(core))


def test_an_unsealed_row_is_named(core: DeskCore, dispatcher: Actor, clock: FakeClock) -> None:
    _trail(core, dispatcher, clock)
    _tamper(core, lambda c: tamper.forge_after(c, core.workstation, 2, seq=None))
    assert "no seq" in str(_report(core))


def test_two_writers_on_one_cache_and_a_rolled_back_write_keep_one_chain(
    core: DeskCore, dispatcher: Actor, clock: FakeClock
) -> None:
    """A command-line tool writes the same workstation's chain between the desk's writes (it
    opens its own engine on the file), and a write that fails after record() is rolled back:
    the chain stays one, without gaps or two entries at a seq."""
    from dispatch_desk.storage.database import open_sqlite
    from dispatch_desk.storage.store import Store

    # The same file spelt differently, so this "process" remembers its own last head: each
    # side's remembered head goes stale when the other writes, which the chain must survive.
    alias = core.paths.data_dir.parent / "data-alias"
    alias.symlink_to(core.paths.data_dir, target_is_directory=True)
    other = Store(open_sqlite(alias / "cache.sqlite3", busy_timeout_ms=2000))
    assert str(other.engine.url) != str(core.store.engine.url)
    try:
        for i in range(4):
            core.store.write_sync(audit.record, dispatcher, clock.advance(seconds=1), "desk", n=i)
            other.write_sync(audit.record, dispatcher, clock.advance(seconds=1), "tool", n=i)

        def fails(session: Any) -> None:
            audit.record(session, dispatcher, clock(), "never")
            raise RuntimeError("the save failed after the audit record")

        with pytest.raises(RuntimeError):
            core.store.write_sync(fails)
        core.store.write_sync(audit.record, dispatcher, clock.advance(seconds=1), "after")

        def in_savepoint(session: Any) -> None:
            audit.record(session, dispatcher, clock(), "outer")
            nested = session.begin_nested()
            audit.record(session, dispatcher, clock(), "rolled-back")
            nested.rollback()
            audit.record(session, dispatcher, clock(), "outer-again")

        core.store.write_sync(in_savepoint)
        other.write_sync(audit.record, dispatcher, clock.advance(seconds=1), "tool-last")
        core.store.write_sync(audit.record, dispatcher, clock.advance(seconds=1), "desk-last")
    finally:
        other.close()
    report = _report(core)
    assert report.ok, report
    actions = core.store.read_sync(
        lambda s: list(
            s.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.workstation == core.workstation)
                .order_by(AuditEvent.seq)
            )
        )
    )
    assert actions[-13:] == [
        "desk", "tool", "desk", "tool", "desk", "tool", "desk", "tool",
        "after", "outer", "outer-again", "tool-last", "desk-last",
    ]  # fmt: skip
