"""The status-text runner: reacts to stored changes and keeps the persisted schedule.

Delay notices and surveys are rows (``text_timer``, ``survey``) with the time they are due, so
nothing lives only in memory: after a restart, or hours offline, the first sweep finds what came
due and sends it once, late (the rules skip what is too late to make sense). Changes announced on
the bus (made here, or pulled by sync, which publishes on the same bus) are evaluated at once;
a sweep every ``poll_s`` catches anything else. Every pass is one write on the store's writer.

The loop looks again every 50 ms instead of arming long timers (see ``dispatch_desk.waits``).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable

from dispatch_desk.events import Change
from dispatch_desk.messaging.status_texts import StatusTexts
from dispatch_desk.services.context import Clock
from dispatch_desk.storage.database import StoreUnavailable
from dispatch_desk.storage.store import Store
from dispatch_desk.waits import settle

logger = logging.getLogger(__name__)

_STEP_S = 0.05


class StatusTextRunner:
    def __init__(
        self, store: Store, rules: StatusTexts, clock: Clock, *, poll_s: float = 15.0
    ) -> None:
        self.store = store
        self.rules = rules
        self.clock = clock
        self.poll_s = poll_s
        self._incidents: set[uuid.UUID] = set()
        self._units: set[uuid.UUID] = set()
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._stopping = False
        self._busy = False
        self.passes = 0

    # -- the bus

    def on_changes(self, changes: list[Change]) -> None:
        for change in changes:
            if change.kind in ("incident", "texting"):
                self._incidents |= change.ids
            elif change.kind == "unit":
                self._units |= change.ids

    @property
    def pending(self) -> bool:
        return bool(self._incidents or self._units)

    # -- one pass, for the loop and for tests

    async def run_once(self, *, sweep: bool = True) -> int:
        """Evaluate what changed (and, with ``sweep``, every unfinished incident and the due
        timers); returns how many texts were queued."""
        incidents, units = self._incidents, self._units
        self._incidents, self._units = set(), set()
        now = self.clock()
        self._busy = True
        try:
            if sweep:
                queued = await self.store.write(self.rules.sweep, now)
            else:
                queued = await self.store.write(self.rules.evaluate_changes, incidents, units, now)
        except StoreUnavailable as exc:  # busy or full: keep the work for the next pass
            self._incidents |= incidents
            self._units |= units
            logger.warning("status texts wait: %s", exc.user_message)
            return 0
        finally:
            self._busy = False
        self.passes += 1
        return queued

    # -- the loop

    async def start(self) -> None:
        if self._task is not None:
            return
        self._stopping = False
        self._unsubscribe = self.store.bus.subscribe(self.on_changes)
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="status-texts")

    async def stop(self, timeout_s: float = 3.0) -> None:
        self._stopping = True
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        task, self._task = self._task, None
        if task is not None and not await settle([task], timeout_s):
            task.cancel()

    async def idle(self, timeout_s: float = 5.0) -> bool:
        """Wait until nothing announced is waiting to be evaluated (tests, shutdown)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self.pending or self._busy:
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(_STEP_S / 5)
        return True

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        next_sweep = loop.time()  # at start: whatever came due while the desk was off
        while not self._stopping:
            try:
                if loop.time() >= next_sweep:
                    await self.run_once(sweep=True)
                    next_sweep = loop.time() + self.poll_s
                elif self.pending:
                    await self.run_once(sweep=False)
            except Exception:
                logger.exception("status texts: a pass failed; trying again at the next sweep")
                next_sweep = loop.time() + self.poll_s
            await asyncio.sleep(_STEP_S)
