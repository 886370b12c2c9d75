"""The desk's daily retention run: due at retention.run_at in the agency's time zone, run off
the loop, audited as the system; a desk that missed its run catches up soon after starting."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dispatch_desk.desk import DeskCore
from dispatch_desk.evidence.schedule import RetentionSchedule, next_run
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor
from tests.helpers.core import FakeClock
from tests.helpers.evidence_data import add_case


def test_next_run_is_the_next_local_time_of_day() -> None:
    zone = ZoneInfo("America/New_York")
    now = datetime(2026, 3, 14, 7, 0, tzinfo=UTC)  # 03:00 in New York (EDT)
    assert next_run(now, "03:30", zone) == datetime(2026, 3, 14, 7, 30, tzinfo=UTC)
    assert next_run(now + timedelta(minutes=30), "03:30", zone) == datetime(
        2026, 3, 15, 7, 30, tzinfo=UTC
    )


def test_daily_run_prunes_the_local_cache(
    core: DeskCore, clock: FakeClock, supervisor: Actor
) -> None:
    case = add_case(core, supervisor, clock())
    clock.advance(days=400)
    schedule = RetentionSchedule(core, step_s=0.01, catch_up_s=3600)
    published: list[str] = []
    core.bus.subscribe(lambda changes: published.extend(c.kind for c in changes))

    async def scenario() -> None:
        await schedule.start()
        try:
            due = schedule.next_at
            assert due is not None and due - clock() <= timedelta(hours=1)  # never ran: soon
            await asyncio.sleep(0.1)
            assert schedule.reports == []  # not yet due
            clock.now = due + timedelta(seconds=1)
            for _ in range(500):
                if schedule.reports:
                    break
                await asyncio.sleep(0.01)
        finally:
            await schedule.stop()

    asyncio.run(scenario())
    assert len(schedule.reports) == 1
    report = schedule.reports[0]
    assert report.kinds["recordings"].removed == 2
    assert not case.files["recording"].exists()
    assert schedule.next_at is not None and schedule.next_at > clock()
    runs = core.store.read_sync(audit.list_events, action="retention.run")
    assert [(r.username, r.outcome) for r in runs] == [("system", "ok")]
    assert "audit" in published


def test_a_desk_that_ran_today_waits_for_the_hour(core: DeskCore, clock: FakeClock) -> None:
    schedule = RetentionSchedule(core, step_s=0.01, catch_up_s=60)

    async def scenario() -> None:
        await schedule.run_now()
        await schedule.start()
        await schedule.stop()

    asyncio.run(scenario())
    zone = ZoneInfo(core.profile.timezone)
    assert schedule.next_at == next_run(clock(), core.settings.retention.run_at, zone)
    assert schedule.next_at.astimezone(zone).strftime("%H:%M") == "03:30"
