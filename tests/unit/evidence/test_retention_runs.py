"""How a retention run writes: each removal is audited in the transaction that deletes (so a
run that fails half-way leaves every removal on the trail, and the run itself recorded as
failed), and a kind is removed in batches so the dispatcher's saves never wait for a whole kind."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import LocationSource
from dispatch_desk.evidence import retention
from dispatch_desk.evidence.retention import RetentionFailed, run_retention
from dispatch_desk.evidence.schedule import RetentionSchedule
from dispatch_desk.evidence.writes import direct_writer, store_writer
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor
from dispatch_desk.storage.models import Location
from tests.helpers.core import FakeClock, create_incident
from tests.helpers.evidence_data import add_case


def test_removals_before_a_failing_kind_are_on_the_trail(
    core: DeskCore, clock: FakeClock, supervisor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = add_case(core, supervisor, clock())
    clock.advance(days=400)

    def failing(session: Session, ctx: object, result: object) -> None:
        raise RuntimeError("disk I/O error (simulated)")

    monkeypatch.setitem(retention.PRUNERS, "chat", failing)
    with pytest.raises(RetentionFailed, match=r"chat.*disk I/O error") as raised:
        run_retention(
            direct_writer(core.store),
            core.system_actor(),
            core.settings.retention,
            clock(),
            workstation=core.workstation,
            media_dir=core.paths.media_dir,
        )
    assert "recordings 2" in str(raised.value) and "media 2" in str(raised.value)
    # recordings and media ran first: rows and files gone, each removal audited with its counts
    assert not case.files["recording"].exists() and not case.files["photo"].exists()
    removals = core.store.read_sync(audit.list_events, action="retention.remove")
    removed = {}
    for event in removals:
        removed[event.detail["kind"]] = (
            removed.get(event.detail["kind"], 0) + event.detail["removed"]
        )
    assert removed == {"recordings": 2, "media": 2}
    (run,) = core.store.read_sync(audit.list_events, action="retention.run")
    assert run.outcome == "failed"
    assert run.detail["failed"]["kind"] == "chat"
    assert "disk I/O error" in run.detail["failed"]["error"]
    assert run.detail["kinds"]["recordings"]["removed"] == 2
    assert run.detail["kinds"]["media"]["bytes_freed"] > 0


def test_a_save_queued_during_a_big_prune_waits_for_one_batch_only(
    core: DeskCore, clock: FakeClock, supervisor: Actor
) -> None:
    rows = 60_000
    incident = create_incident(core, supervisor, address="1 Main St")
    core.store.write_sync(
        core.incidents.close, supervisor, incident.id, core.profile.dispositions[0], clock()
    )
    start = clock()

    def seed(session: Session) -> None:
        session.execute(
            insert(Location),
            [
                {
                    "id": uuid.uuid4(),
                    "incident_id": incident.id,
                    "source": LocationSource.DEVICE,
                    "address": "",
                    "latitude": 42.0,
                    "longitude": -71.0,
                    "uncertainty_m": 5.0,
                    "accepted": False,
                    "recorded_at": start + timedelta(seconds=i),
                }
                for i in range(rows)
            ],
        )

    core.store.write_sync(seed)
    clock.advance(days=400)
    done = threading.Event()
    outcome: list[object] = []

    def prune() -> None:
        try:
            outcome.append(
                run_retention(
                    store_writer(core.store),
                    core.system_actor(),
                    core.settings.retention,
                    clock(),
                    workstation=core.workstation,
                    media_dir=core.paths.media_dir,
                )
            )
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            outcome.append(exc)
        finally:
            done.set()

    def locations_left(session: Session) -> int:
        return session.scalar(select(func.count()).select_from(Location)) or 0

    before = core.store.read_sync(locations_left)
    worker = threading.Thread(target=prune)
    worker.start()
    waits: list[float] = []
    seen: list[int] = []
    while not done.is_set():
        at = time.perf_counter()
        left = core.store.submit_write(locations_left).result()[0]  # a dispatcher's save
        waits.append(time.perf_counter() - at)
        seen.append(left)
        time.sleep(0.01)
    worker.join()
    after = core.store.read_sync(locations_left)
    during = [left for left in seen if after < left < before]  # saves while it was under way
    (report,) = outcome
    removed = report.kinds["locations"].removed  # type: ignore[union-attr]
    assert removed >= rows  # the demo data's own old fixes too
    assert during, "no save was queued while the locations were being removed"
    assert max(waits) < 0.5, f"a save waited {max(waits):.2f} s behind the prune"
    removals = core.store.read_sync(audit.list_events, action="retention.remove", limit=10_000)
    assert sum(e.detail["removed"] for e in removals if e.detail["kind"] == "locations") == removed


@pytest.mark.allow_error_logs
def test_the_schedule_says_which_kind_failed_and_what_went_before(
    core: DeskCore,
    clock: FakeClock,
    supervisor: Actor,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    add_case(core, supervisor, clock())
    clock.advance(days=400)

    def failing(session: Session, ctx: object, result: object) -> None:
        raise RuntimeError("disk I/O error (simulated)")

    monkeypatch.setitem(retention.PRUNERS, "chat", failing)
    schedule = RetentionSchedule(core, step_s=0.01, catch_up_s=0)

    async def scenario() -> None:
        await schedule.start()
        try:
            for _ in range(500):
                if any("retention stopped" in r.getMessage() for r in caplog.records):
                    break
                await asyncio.sleep(0.01)
        finally:
            await schedule.stop()

    asyncio.run(scenario())
    (logged,) = [r for r in caplog.records if "retention stopped" in r.getMessage()]
    assert logged.levelname == "ERROR"
    assert logged.getMessage() == (
        "retention stopped at 'chat' (RuntimeError: disk I/O error (simulated)); removed "
        "before that, each removal audited: recordings 2, media 2; trying again tomorrow"
    )
    assert schedule.next_at is not None and schedule.next_at > clock()
