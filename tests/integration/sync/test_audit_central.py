"""The audit chains on a real central PostgreSQL after a sync: they verify there and on the
other workstation's cache; tampering with central's table is named by `audit verify --central`
(a real process)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Connection, create_engine, select

from dispatch_desk.audit.chain import Link, head_id, seal
from dispatch_desk.audit.verify import verify_all
from dispatch_desk.desk import DeskCore
from dispatch_desk.services import audit
from dispatch_desk.storage.models import AuditChainHead, AuditEvent
from dispatch_desk.sync.admin import sqlalchemy_url
from tests.helpers import audit_tamper as tamper
from tests.helpers.core import actor_for
from tests.helpers.pg import wait_until
from tests.integration.test_cli import run


def _head_seq(conn: Connection, ws: str) -> int:
    return (
        conn.execute(select(AuditChainHead.seq).where(AuditChainHead.id == head_id(ws))).scalar()
        or 0
    )


def _synced_trail(workstation: Any, central: str) -> tuple[DeskCore, Any]:
    a = workstation("ws-a")
    actor = actor_for(a, "dispatcher")
    for i in range(6):
        a.store.write_sync(audit.record, actor, a.clock(), "camera.view", n=i)
    local = a.store.read_sync(lambda s: s.get(AuditChainHead, head_id("ws-a")).seq)
    engine = create_engine(sqlalchemy_url(central))

    def arrived() -> bool:
        with engine.connect() as conn:
            return _head_seq(conn, "ws-a") == local

    wait_until(arrived, timeout=20, what="ws-a's audit head on central")
    return a, engine


def test_chains_verify_on_central_and_on_another_cache(workstation, central: str, tmp_path) -> None:
    a, engine = _synced_trail(workstation, central)
    try:
        result = run("audit", "verify", "--central", central, "--central-only", home=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "central:" in result.stdout
        line = next(x for x in result.stdout.splitlines() if x.startswith("  ws-a: "))
        assert line.endswith("entries, OK"), line
        local = a.store.read_sync(lambda s: s.get(AuditChainHead, head_id("ws-a")).seq)
        assert line == f"  ws-a: {local} entries, OK"

        b = workstation("ws-b")
        wait_until(
            lambda: b.store.read_sync(
                lambda s: (
                    (h := s.get(AuditChainHead, head_id("ws-a"))) is not None and h.seq == local
                )
            ),
            timeout=20,
            what="ws-a's chain on ws-b",
        )
        reports = {r.workstation: r for r in b.store.read_sync(verify_all, "ws-b")}
        assert reports["ws-a"].ok and reports["ws-a"].entries == local, reports["ws-a"]
        assert all(r.ok for r in reports.values()), [str(r) for r in reports.values()]
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("attack", "expected"),
    [
        (
            lambda c: tamper.edit_field(c, "ws-a", 3),
            "ws-a: BROKEN at seq 3, id {id}: hash mismatch",
        ),
        (lambda c: tamper.delete_seq(c, "ws-a", 3), "ws-a: BROKEN at seq 4, id"),
        (lambda c: tamper.delete_last(c, "ws-a"), "ws-a: BROKEN at seq {seq}: missing head entry"),
        (lambda c: tamper.swap(c, "ws-a", 3, 4), "ws-a: BROKEN at seq 3, id"),
        (lambda c: tamper.forge_after(c, "ws-a", 2), "ws-a: BROKEN at seq 3, id {id}: two entries"),
    ],
    ids=["edited", "middle-deleted", "last-deleted", "reordered", "forged"],
)
def test_tampering_on_central_is_named(
    workstation, central: str, tmp_path, attack: Callable[[Connection], Any], expected: str
) -> None:
    _, engine = _synced_trail(workstation, central)
    try:
        with engine.begin() as conn:
            row = attack(conn)
    finally:
        engine.dispose()
    result = run("audit", "verify", "--central", central, "--central-only", home=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    if isinstance(row, dict):
        expected = expected.format(id=row["id"], seq=row["seq"])
    assert expected in result.stdout, result.stdout


def test_central_seals_its_own_audit_events_into_its_chain(workstation, central: str) -> None:
    """Central writes audit events itself (a sync conflict); they form the `central` chain,
    which verifies on central (strictly: it is central's own) and on both caches."""
    from dispatch_desk.services.incidents import IncidentEdit
    from tests.integration.sync.test_conflicts import rules_in_audit, settle, shared_incident

    a, b = workstation("ws-a"), workstation("ws-b")
    made = shared_incident(a, b)
    b.sync.stop()
    a.store.write_sync(
        a.incidents.update, actor_for(a, "calltaker"), made.id, IncidentEdit(priority=1), a.clock()
    )
    settle(a)
    b.store.write_sync(
        b.incidents.update, actor_for(b, "calltaker"), made.id, IncidentEdit(priority=4), b.clock()
    )
    b.start_sync()
    settle(a, b)
    for core in (a, b):
        wait_until(lambda c=core: rules_in_audit(c, "sync.conflict"), what="conflict audit")
    engine = create_engine(sqlalchemy_url(central))
    try:
        from sqlalchemy.orm import Session

        with Session(engine) as session:
            on_central = {r.workstation: r for r in verify_all(session, "central")}
    finally:
        engine.dispose()
    assert on_central["central"].ok and on_central["central"].entries >= 1, on_central["central"]
    assert all(r.ok for r in on_central.values()), [str(r) for r in on_central.values()]
    for core in (a, b):
        reports = core.store.read_sync(verify_all, core.workstation)
        assert all(r.ok for r in reports), [str(r) for r in reports]
        assert "central" in {r.workstation for r in reports}


def test_prune_on_central_keeps_every_chain_verifiable(workstation, central: str) -> None:
    """Central's retention run cuts ws-a's chain there (not on ws-a: deletes do not sync);
    what ws-a writes afterwards continues the chain after the anchor, on both databases."""
    from datetime import timedelta

    from sqlalchemy.orm import Session

    from dispatch_desk.audit.prune import CENTRAL_RETENTION, prune_audit

    a, engine = _synced_trail(workstation, central)
    try:
        with Session(engine) as session, session.begin():
            removed = prune_audit(session, a.clock() + timedelta(days=1))
        with engine.connect() as conn:
            removed_ws_a = _head_seq(conn, "ws-a")  # everything ws-a had written so far
        assert removed >= removed_ws_a >= 6
        actor = actor_for(a, "dispatcher")
        for i in range(3):
            a.store.write_sync(audit.record, actor, a.clock(), "after.prune", n=i)
        local = a.store.read_sync(lambda s: s.get(AuditChainHead, head_id("ws-a")).seq)

        def arrived() -> bool:
            with engine.connect() as conn:
                return _head_seq(conn, "ws-a") == local

        wait_until(arrived, timeout=20, what="ws-a's new entries on central")
        with Session(engine) as session:
            reports = {r.workstation: r for r in verify_all(session, "central")}
    finally:
        engine.dispose()
    after = reports["ws-a"]
    assert after.ok, str(after)
    # What central pruned is gone from its change log too: a workstation pulling from the
    # start does not get it back.
    fresh = workstation("ws-c")
    wait_until(
        lambda: fresh.store.read_sync(
            lambda s: (h := s.get(AuditChainHead, head_id("ws-a"))) is not None and h.seq == local
        ),
        timeout=20,
        what="ws-a's chain on ws-c",
    )
    seqs = fresh.store.read_sync(
        lambda s: list(s.scalars(select(AuditEvent.seq).where(AuditEvent.workstation == "ws-a")))
    )
    assert sorted(seqs) == list(range(removed_ws_a + 1, local + 1))
    copy = {r.workstation: r for r in fresh.store.read_sync(verify_all, "ws-c")}["ws-a"]
    assert copy.ok and f"starts at seq {removed_ws_a + 1}" in str(copy), str(copy)
    # What is left starts right after what was pruned and ends at ws-a's head.
    assert (after.first_seq, after.last_seq) == (removed_ws_a + 1, local), str(after)
    assert "pruned through seq" in str(reports["ws-a"])
    assert reports[CENTRAL_RETENTION].ok and reports[CENTRAL_RETENTION].entries == 1
    assert all(r.ok for r in a.store.read_sync(verify_all, "ws-a"))  # ws-a still has it all


def test_the_migration_chains_existing_events_on_postgresql(pg) -> None:  # type: ignore[no-untyped-def]
    """Revision 0008 on a central database that already holds events: chained per workstation
    in (at, id) order with the same hashes a SQLite cache computes (tests/unit/audit)."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy.orm import Session

    from dispatch_desk.config.paths import resolve_paths
    from dispatch_desk.storage import migrate
    from tests.unit.audit.test_migration import OLD_EVENTS, _old

    url = pg.create_database("audit_migration")
    engine = create_engine(sqlalchemy_url(url))
    try:
        migrations = resolve_paths().migrations_dir
        migrate.upgrade(engine, migrations, "0007_camera_wall")
        t0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
        rows = [_old(ws, t0 + timedelta(minutes=i), f"e{i}") for i, ws in enumerate("abab")]
        with engine.begin() as conn:
            conn.execute(OLD_EVENTS.insert(), rows)
        migrate.upgrade(engine, migrations)
        with Session(engine) as session:
            reports = {r.workstation: (r.ok, r.entries) for r in verify_all(session, None)}
            heads = {h.workstation: h.seq for h in session.scalars(select(AuditChainHead))}
            stored = session.execute(
                select(AuditEvent.workstation, AuditEvent.hash).order_by(AuditEvent.seq)
            ).all()
    finally:
        engine.dispose()
    assert reports == {"a": (True, 2), "b": (True, 2)}
    assert heads == {"a": 2, "b": 2}
    # The hashes are the encoding's, independent of the database.
    links = {"a": Link(), "b": Link()}
    expected = {}
    for row in sorted(rows, key=lambda r: r["at"]):
        sealed = dict(row)
        links[row["workstation"]] = seal(sealed, links[row["workstation"]])
        expected.setdefault(row["workstation"], []).append(sealed["hash"])
    got: dict[str, list[str]] = {}
    for ws, digest in stored:
        got.setdefault(ws, []).append(digest)
    assert got == expected


def test_the_migration_chains_audit_rows_in_centrals_change_log(pg) -> None:  # type: ignore[no-untyped-def]
    """Audit rows pushed before 0008 sit in central's change log without chain fields; a
    workstation pulling from the start would get them unchained. The migration rewrites them
    with the fields it gave the table's rows, so every copy pulls a verifiable chain."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy.orm import Session

    from dispatch_desk.config.paths import resolve_paths
    from dispatch_desk.storage import migrate
    from dispatch_desk.sync import codec
    from dispatch_desk.sync.central_schema import sync_change
    from tests.unit.audit.test_migration import OLD_EVENTS, _old

    url = pg.create_database("audit_change_log")
    engine = create_engine(sqlalchemy_url(url))
    try:
        migrations = resolve_paths().migrations_dir
        migrate.upgrade(engine, migrations, "0007_camera_wall")
        t0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
        rows = [_old(ws, t0 + timedelta(minutes=i), f"e{i}") for i, ws in enumerate("abab")]
        with engine.begin() as conn:
            conn.execute(OLD_EVENTS.insert(), rows)
            conn.execute(
                sync_change.insert(),
                [
                    {
                        "origin": r["workstation"],
                        "table_name": "audit_event",
                        "row_id": r["id"],
                        "hlc": f"{i:020d}",
                        "fields": json.dumps(dict.fromkeys(sorted(r), "")),
                        "row": json.dumps(_encoded(r)),
                    }
                    for i, r in enumerate(rows)
                ],
            )
        migrate.upgrade(engine, migrations)
        with Session(engine) as session:
            stored = {
                str(e.id): (e.seq, e.prev_hash, e.hash) for e in session.scalars(select(AuditEvent))
            }
            logged = session.execute(select(sync_change.c.fields, sync_change.c.row)).all()
    finally:
        engine.dispose()
    assert len(logged) == 4
    for fields_text, row_text in logged:
        row, fields = json.loads(row_text), json.loads(fields_text)
        assert (row["seq"], row["prev_hash"], row["hash"]) == stored[row["id"]]
        assert {"seq", "prev_hash", "hash"} <= set(fields)
        decoded = codec.decode_row("audit_event", row_text)
        assert decoded["seq"] == row["seq"]


def _encoded(row: dict[str, Any]) -> dict[str, Any]:
    from dispatch_desk.sync import codec

    return json.loads(codec.encode_row(row))


def test_verify_with_central_compares_this_workstations_chain_with_centrals_copy(
    workstation, central: str, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """Delete this cache's last entry and move its head back: the local chain alone verifies;
    central's copy of it, compared seq by seq, still holds the deleted entry."""
    from sqlalchemy import update

    a, engine = _synced_trail(workstation, central)
    engine.dispose()
    a.sync.stop()
    home = tmp_path / "ws-a" / "home"
    untouched = run("--set", "workstation.id=ws-a", "audit", "verify", "--central", central,
                    home=home)  # fmt: skip
    assert untouched.returncode == 0, untouched.stdout + untouched.stderr
    with a.store.engine.begin() as conn:
        rows = tamper.chain(conn, "ws-a")
        tamper.delete_last(conn, "ws-a")
        heads = AuditChainHead.__table__
        conn.execute(
            update(heads)
            .where(heads.c.id == head_id("ws-a"))
            .values(seq=rows[-2]["seq"], hash=rows[-2]["hash"])
        )
    alone = run("--set", "workstation.id=ws-a", "audit", "verify", home=home)
    assert alone.returncode == 0, alone.stdout  # what one database cannot show
    both = run("--set", "workstation.id=ws-a", "audit", "verify", "--central", central,
               home=home)  # fmt: skip
    assert both.returncode == 1, both.stdout + both.stderr
    assert (
        f"ws-a: BROKEN at seq {rows[-1]['seq']}, id {rows[-1]['id']}: "
        "on central but not in this cache" in both.stdout
    ), both.stdout

    # Put the last entry back, then rewrite an older one and re-hash it, every later entry and
    # the head: this cache alone verifies again; central's copy names the first rewritten one.
    from dispatch_desk.audit.chain import entry_hash

    with a.store.engine.begin() as conn:
        conn.execute(tamper.EVENTS.insert().values(**rows[-1]))
        link = Link(rows[1]["seq"], rows[1]["hash"])
        for row in rows[2:]:
            changed = dict(row, username="mallory") if row is rows[2] else dict(row)
            link = seal(changed, link)
            conn.execute(
                update(tamper.EVENTS)
                .where(tamper.EVENTS.c.id == row["id"])
                .values(username=changed["username"], prev_hash=changed["prev_hash"],
                        hash=changed["hash"])
            )  # fmt: skip
        conn.execute(
            update(heads).where(heads.c.id == head_id("ws-a")).values(seq=link.seq, hash=link.hash)
        )
        assert entry_hash(**changed) == link.hash
    alone = run("--set", "workstation.id=ws-a", "audit", "verify", home=home)
    assert alone.returncode == 0, alone.stdout
    both = run("--set", "workstation.id=ws-a", "audit", "verify", "--central", central,
               home=home)  # fmt: skip
    assert both.returncode == 1
    assert (
        f"ws-a: BROKEN at seq {rows[2]['seq']}, id {rows[2]['id']}: differs from central's copy"
        in both.stdout
    ), both.stdout
