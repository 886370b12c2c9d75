"""The desk's daily retention run on its own local cache, at ``retention.run_at`` in the agency's
time zone, on a worker thread (its writes go through the store's writer, its changes are
published on the loop). A desk that missed its run (it was off at that hour) catches up a few
minutes after it starts. The loop looks again every second instead of arming a long timer (see
``dispatch_desk.waits``)."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch_desk.evidence.retention import RetentionFailed, RetentionReport, run_retention
from dispatch_desk.evidence.writes import store_writer
from dispatch_desk.storage.database import StoreUnavailable
from dispatch_desk.storage.models import AuditEvent
from dispatch_desk.waits import settle

if TYPE_CHECKING:
    from dispatch_desk.desk import DeskCore

logger = logging.getLogger(__name__)


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def next_run(now: datetime, run_at: str, zone: tzinfo) -> datetime:
    """The first ``run_at`` (HH:MM, local to ``zone``) strictly after ``now``."""
    hours, _, minutes = run_at.strip().partition(":")
    local = now.astimezone(zone)
    due = datetime.combine(local.date(), time(int(hours), int(minutes)), tzinfo=zone)
    if due <= local:
        due = datetime.combine(
            local.date() + timedelta(days=1), time(int(hours), int(minutes)), tzinfo=zone
        )
    return due.astimezone(now.tzinfo)


def last_run(session: Session, workstation: str) -> datetime | None:
    return session.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.action == "retention.run",
            AuditEvent.workstation == workstation,
            AuditEvent.outcome == "ok",
        )
    )


class RetentionSchedule:
    def __init__(self, core: DeskCore, *, step_s: float = 1.0, catch_up_s: float = 600.0) -> None:
        self.core = core
        self.step_s = step_s
        self.catch_up_s = catch_up_s
        self.zone = _zone(core.profile.timezone)
        self.next_at: datetime | None = None
        self.reports: list[RetentionReport] = []
        self._task: asyncio.Task[None] | None = None
        self._stop = threading.Event()

    async def start(self) -> None:
        if self._task is not None or not self.core.settings.retention.enabled:
            return
        self._stop.clear()
        now = self.core.clock()
        self.next_at = next_run(now, self.core.settings.retention.run_at, self.zone)
        try:
            last = await self.core.store.read(last_run, self.core.workstation)
        except StoreUnavailable:
            last = now
        if last is None or now - last > timedelta(hours=26):
            self.next_at = min(self.next_at, now + timedelta(seconds=self.catch_up_s))
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="retention")

    async def stop(self, timeout_s: float = 3.0) -> None:
        self._stop.set()
        task, self._task = self._task, None
        if task is not None and not await settle([task], timeout_s):
            task.cancel()

    async def run_now(self) -> RetentionReport:
        core = self.core
        write = store_writer(core.store)
        try:
            report = await asyncio.to_thread(
                run_retention,
                write,
                core.system_actor(),
                core.settings.retention,
                core.clock(),
                workstation=core.workstation,
                media_dir=core.paths.media_dir,
                stop=self._stop,
            )
        finally:
            core.bus.publish(write.changes)  # type: ignore[attr-defined]
        self.reports.append(report)
        removed = sum(r.removed for r in report.kinds.values())
        freed = sum(r.bytes_freed for r in report.kinds.values())
        logger.info("retention: removed %d record(s), freed %d bytes", removed, freed)
        return report

    async def _loop(self) -> None:
        while not self._stop.is_set():
            now = self.core.clock()
            if self.next_at is not None and now >= self.next_at:
                try:
                    await self.run_now()
                except StoreUnavailable as exc:
                    logger.warning("retention waits for tomorrow: %s", exc.user_message)
                except RetentionFailed as exc:
                    if isinstance(exc.cause, StoreUnavailable):
                        logger.warning("retention waits for tomorrow: %s", exc)
                    else:
                        logger.error("%s; trying again tomorrow", exc, exc_info=exc.cause)
                except Exception:
                    logger.exception("retention: the run failed; trying again tomorrow")
                self.next_at = next_run(
                    self.core.clock(), self.core.settings.retention.run_at, self.zone
                )
            await asyncio.sleep(self.step_s)
