"""`audit export`'s core: the export is on the trail BEFORE the file exists, and the trail is read
in a read transaction (the desk's saves go on meanwhile) and streamed to the file."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dispatch_desk.audit.trail import TrailFilter, export_csv
from dispatch_desk.desk import DeskCore
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, PermissionDenied
from dispatch_desk.storage.database import open_sqlite
from dispatch_desk.storage.models import AuditEvent
from tests.helpers.core import FakeClock, actor_for


def test_the_export_is_audited_first_and_reads_without_the_write_lock(
    core: DeskCore, dispatcher: Actor, clock: FakeClock, tmp_path: Path
) -> None:
    admin = actor_for(core, "admin")
    for i in range(30):
        core.store.write_sync(audit.record, dispatcher, clock.advance(seconds=1), "cam", n=i)
    out = tmp_path / "trail.csv"
    other = open_sqlite(core.paths.data_dir / "cache.sqlite3", busy_timeout_ms=100)
    held: list[Any] = []

    def midway(done: int) -> None:
        """Half-way through the file, another process takes the write lock and keeps it: had
        the export still to write its audit record (or held the lock), it would fail."""
        if done == 10:
            conn = other.connect().execution_options(write=True)
            conn.begin()  # BEGIN IMMEDIATE: the write lock, or OperationalError
            held.append(conn)

    try:
        count = export_csv(
            core.store, admin, clock(), TrailFilter(action="cam"), out, progress=midway
        )
        assert held, "the progress hook ran"
    finally:
        for conn in held:
            conn.rollback()
            conn.close()
        other.dispose()
    assert count == 30
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["detail"] for r in rows][:2] == ['{"n": 29}', '{"n": 28}']
    assert not out.with_name(out.name + ".part").exists()
    [record] = core.store.read_sync(
        lambda s: list(s.scalars(select(AuditEvent).where(AuditEvent.action == "audit.export")))
    )
    assert record.username == admin.username and record.outcome == "ok"
    assert str(out) in record.detail and '"action": "cam"' in record.detail


def test_a_busy_cache_or_a_refusal_leaves_no_file(
    core: DeskCore, supervisor: Actor, clock: FakeClock, tmp_path: Path
) -> None:
    from dispatch_desk.storage.database import StoreUnavailable

    admin = actor_for(core, "admin")
    out = tmp_path / "trail.csv"
    with pytest.raises(PermissionDenied):
        export_csv(core.store, supervisor, clock(), TrailFilter(), out)
    assert not out.exists()
    other = open_sqlite(core.paths.data_dir / "cache.sqlite3", busy_timeout_ms=100)
    conn = other.connect().execution_options(write=True)
    conn.begin()
    try:
        with pytest.raises(StoreUnavailable):
            export_csv(core.store, admin, clock(), TrailFilter(), out)
    finally:
        conn.rollback()
        conn.close()
        other.dispose()
    assert not out.exists()
