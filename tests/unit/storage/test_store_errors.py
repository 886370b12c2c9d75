"""Environment failures on a real SQLite file: a locked database and a full one come back as
StoreBusy / StoreFull with nothing half-written, and the same write succeeds once they pass."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from dispatch_desk.desk import DeskCore
from dispatch_desk.storage.database import StoreBusy, StoreFull, StoreUnavailable
from dispatch_desk.storage.models import Incident, NarrativeEntry
from tests.helpers.core import FakeClock, actor_for, make_core, valid_intake


@pytest.fixture
def core(tmp_path: Path) -> Iterator[DeskCore]:
    desk = make_core(tmp_path, clock=FakeClock(), store__busy_timeout_ms=100)
    yield desk
    desk.close()


def incident_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Incident))


def dbapi_id(session: Session) -> int:
    return id(session.connection().connection.dbapi_connection)


def test_locked_database_raises_store_busy_then_the_write_succeeds(core: DeskCore) -> None:
    actor = actor_for(core, "calltaker")
    intake = valid_intake(core)
    before = core.store.read_sync(incident_count)
    other = sqlite3.connect(core.settings.store_file(core.paths), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(StoreBusy) as caught:
            core.store.write_sync(core.incidents.create, actor, intake, core.clock())
        # busy_timeout_ms=100 was applied: far quicker than the 3 s default.
        assert time.monotonic() - started < 2.5
        assert isinstance(caught.value, StoreUnavailable)
        assert "Nothing was lost" in caught.value.user_message
        # WAL: readers are not blocked by the writer holding the lock.
        assert core.store.read_sync(incident_count) == before
    finally:
        other.execute("ROLLBACK")
        other.close()
    summary, _ = core.store.write_sync(core.incidents.create, actor, intake, core.clock())
    assert core.store.read_sync(incident_count) == before + 1
    assert core.store.read_sync(core.incidents.summary, summary.id).number == summary.number


def test_writes_share_one_connection_and_reads_have_their_own(core: DeskCore) -> None:
    # SQLite has one writer: every write on the same connection (so per-connection state such as
    # max_page_count holds); under WAL, reads on a second connection never wait for a write.
    first, _ = core.store.write_sync(dbapi_id)
    again, _ = core.store.write_sync(dbapi_id)
    assert again == first
    reader = core.store.read_sync(dbapi_id)
    assert reader != first
    assert core.store.read_sync(dbapi_id) == reader


def test_full_database_raises_store_full_then_the_write_succeeds(core: DeskCore) -> None:
    actor = actor_for(core, "calltaker")
    intake = valid_intake(core, narrative="Long account. " * 1400)  # ~19.6k chars, many pages
    before = core.store.read_sync(incident_count)

    def cap(session: Session) -> int:
        pages = session.execute(text("PRAGMA page_count")).scalar_one()
        return session.execute(text(f"PRAGMA max_page_count = {int(pages)}")).scalar_one()

    capped, _ = core.store.write_sync(cap)
    # The limit is per connection: make sure the next write runs on the one that has it.
    limit, _ = core.store.write_sync(
        lambda s: s.execute(text("PRAGMA max_page_count")).scalar_one()
    )
    assert limit == capped
    with pytest.raises(StoreFull) as caught:
        core.store.write_sync(core.incidents.create, actor, intake, core.clock())
    assert "full" in caught.value.user_message
    assert core.store.read_sync(incident_count) == before
    assert (
        core.store.read_sync(
            lambda s: s.scalar(
                select(func.count())
                .select_from(NarrativeEntry)
                .where(NarrativeEntry.text == intake.narrative)
            )
        )
        == 0
    )

    core.store.write_sync(lambda s: s.execute(text("PRAGMA max_page_count = 1073741823")))
    summary, _ = core.store.write_sync(core.incidents.create, actor, intake, core.clock())
    assert core.store.read_sync(incident_count) == before + 1
    detail = core.store.read_sync(core.incidents.detail, summary.id)
    assert detail.narrative[0].text == intake.narrative


def test_programming_errors_are_not_disguised(core: DeskCore) -> None:
    def broken(session: Session) -> None:
        session.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(OperationalError) as caught:
        core.store.write_sync(broken)
    assert not isinstance(caught.value, StoreUnavailable)
    assert "no such table" in str(caught.value)
