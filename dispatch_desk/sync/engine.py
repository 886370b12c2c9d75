"""The sync engine: one thread with its own asyncio loop that pushes the outbox, pulls the
change log, listens for NOTIFY and keeps a reserve of leased incident numbers.

It never blocks the dispatcher: local writes go to SQLite first and are queued; the engine
uses the store's writer thread for its own (short) writes, and every call to the central
database has a time limit, so a cut or hanging link turns into "offline" and a retry, not a
frozen screen. Its status (online / offline / catching up, and how many changes are waiting)
is reported through a callback; the UI shows it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from psycopg import AsyncConnection

from dispatch_desk.config.settings import CentralSettings
from dispatch_desk.events import Change
from dispatch_desk.storage.migrate import SCHEMA_HEAD, known_revisions
from dispatch_desk.storage.store import Store
from dispatch_desk.sync import central, local
from dispatch_desk.sync.capture import Capture
from dispatch_desk.sync.hlc import HybridClock

logger = logging.getLogger(__name__)

T = TypeVar("T")

STANDALONE = "standalone"
CONNECTING = "connecting"
ONLINE = "online"
CATCHING_UP = "catching-up"
OFFLINE = "offline"
INCOMPATIBLE = "incompatible"


@dataclass(frozen=True)
class SyncStatus:
    state: str = STANDALONE
    pending: int = 0  # local changes not yet in central
    behind: int = 0  # central changes not yet in this cache (known at the last pull)
    message: str = ""
    last_contact: datetime | None = None

    @property
    def online(self) -> bool:
        return self.state in (ONLINE, CATCHING_UP)


class IncompatibleSchema(Exception):
    """Central's schema is not the one this workstation's code speaks."""


def schema_problem(central_revision: str | None, migrations_dir: Path) -> str | None:
    """A plain sentence if the central schema cannot be used by this workstation, else None."""
    if central_revision == SCHEMA_HEAD:
        return None
    if central_revision is None:
        return (
            "The central database has no Dispatch Desk schema yet. Ask IT to run "
            "'dispatch-desk central upgrade' once. Working offline meanwhile; nothing is lost."
        )
    if central_revision not in known_revisions(migrations_dir):
        return (
            f"The central database is at schema {central_revision!r}, newer than this "
            f"workstation ({SCHEMA_HEAD!r}). Update Dispatch Desk on this workstation. "
            "Working offline meanwhile; nothing is lost."
        )
    return (
        f"The central database is at schema {central_revision!r}, older than this "
        f"workstation ({SCHEMA_HEAD!r}). Ask IT to run 'dispatch-desk central upgrade'. "
        "Working offline meanwhile; nothing is lost."
    )


class SyncEngine:
    def __init__(
        self,
        store: Store,
        settings: CentralSettings,
        workstation: str,
        migrations_dir: Path,
        *,
        on_status: Callable[[SyncStatus], None] | None = None,
        on_changes: Callable[[list[Change]], None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if not settings.url:
            raise ValueError("the sync engine needs central.url")
        self.store = store
        self.settings = settings
        self.workstation = workstation
        self.migrations_dir = migrations_dir
        self.hlc = HybridClock(workstation)
        self.on_status = on_status or (lambda _s: None)
        self.on_changes = on_changes or store.bus.publish
        self._wall = clock
        self._status = SyncStatus(CONNECTING)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._stop: asyncio.Event | None = None
        self._stopping = False
        self._started = threading.Event()
        store.capture = Capture(self.hlc, on_written=self.wake)

    # -- control, from any thread

    @property
    def status(self) -> SyncStatus:
        return self._status

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping = False
        self._started.clear()
        self._thread = threading.Thread(target=self._run, name="sync", daemon=True)
        self._thread.start()
        self._started.wait(5)

    def wake(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(wake.set)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping = True
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                logger.warning("sync thread did not stop within %.1f s", timeout)
            self._thread = None

    # -- the thread

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._started.set()
        try:
            state = await self._local(local.get_state, local.CLOCK)
            if state:
                self.hlc.observe(state)
            queued, _ = await self._write(local.enrol)
            if queued:
                logger.info("queued %d rows written before sync was configured", queued)
        except Exception:
            logger.exception("sync could not read the local cache")
        delay = 0.0
        while not self._stopping:
            if delay:
                await self._retry_wait(delay)
                if self._stopping:
                    break
            try:
                await self._connected()
                delay = 0.0
            except IncompatibleSchema as exc:
                await self._report(INCOMPATIBLE, message=str(exc))
                delay = self.settings.retry_max_s * 6  # an upgrade takes IT a while
            except (psycopg.Error, OSError, TimeoutError) as exc:
                await self._report(OFFLINE, message=_plain(exc))
                delay = min(max(delay * 2, 0.5), self.settings.retry_max_s)
            except Exception as exc:  # a bug: keep the workstation working, retry slowly
                logger.exception("sync failed")
                await self._report(OFFLINE, message=f"Sync error: {exc}")
                delay = self.settings.retry_max_s

    async def _wait(self, event: asyncio.Event | None, seconds: float) -> None:
        assert event is not None and self._stop is not None
        waits = {asyncio.ensure_future(event.wait()), asyncio.ensure_future(self._stop.wait())}
        _, rest = await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for task in rest:
            task.cancel()

    async def _retry_wait(self, seconds: float) -> None:
        """Wait before retrying; local writes do not cut it short (that would hammer a server
        that is down) but do refresh the count of waiting changes the dispatcher sees."""
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not self._stopping and (left := deadline - loop.time()) > 0:
            self._wake.clear()
            await self._wait(self._wake, left)
            if self._wake.is_set():
                await self._report(self._status.state)

    async def _timed(self, call: Awaitable[T]) -> T:
        # Not asyncio.wait_for: psycopg answers a cancelled query by asking the server to cancel
        # it and waiting up to 10 s more for that, so on a hanging link the engine would stay
        # "online" well past op_timeout. The call is left to unwind on its own instead; the
        # caller then drops the connection (closing it ends the call at once).
        task = asyncio.ensure_future(call)
        task.add_done_callback(_retrieve)
        try:
            done, _ = await asyncio.wait({task}, timeout=self.settings.op_timeout_s)
        except asyncio.CancelledError:
            task.cancel()
            raise
        if not done:
            task.cancel()
            raise TimeoutError(f"no answer from central within {self.settings.op_timeout_s} s")
        return task.result()

    async def _connect(self) -> AsyncConnection[Any]:
        return await asyncio.wait_for(
            AsyncConnection.connect(
                self.settings.url,
                autocommit=True,
                connect_timeout=max(1, round(self.settings.connect_timeout_s)),
                application_name=f"dispatch-desk {self.workstation}"[:63],
            ),
            self.settings.connect_timeout_s + 1,
        )

    async def _connected(self) -> None:
        conn = await self._connect()
        listener: AsyncConnection[Any] | None = None
        listening: asyncio.Task[None] | None = None
        try:
            problem = schema_problem(await self._timed(central.revision(conn)), self.migrations_dir)
            if problem:
                raise IncompatibleSchema(problem)
            listener = await self._connect()
            await self._timed(listener.execute(f"LISTEN {central.CHANNEL}"))
            listening = asyncio.create_task(self._listen(listener))
            while not self._stopping:
                assert self._wake is not None
                self._wake.clear()
                await self._cycle(conn)
                if listening.done():
                    listening.result()  # raises what broke the listening connection
                    raise psycopg.OperationalError("the notification connection closed")
                await self._wait(self._wake, self.settings.poll_s)
        finally:
            if listening is not None:
                listening.cancel()
                await asyncio.gather(listening, return_exceptions=True)
            for c in (listener, conn):
                if c is not None:
                    await _close(c)

    async def _listen(self, conn: AsyncConnection[Any]) -> None:
        assert self._wake is not None
        try:
            async for _ in conn.notifies():
                self._wake.set()
        finally:
            # The link broke (or we are leaving): wake the loop so that it notices now and
            # reports offline and reconnects, instead of at the next poll.
            self._wake.set()

    async def _cycle(self, conn: AsyncConnection[Any]) -> None:
        pending = await self._push(conn)
        behind = await self._pull(conn, pending)
        await self._lease(conn)
        await self._report(ONLINE, pending=pending, behind=behind)

    async def _push(self, conn: AsyncConnection[Any]) -> int:
        limit = self.settings.push_batch
        while True:
            items = await self._local(local.read_outbox, limit)
            if not items:
                return 0
            done = await self._timed(central.push(conn, self.workstation, items, self.hlc))
            left, _ = await self._write(local.ack_outbox, max(done, items[-1].seq), self.hlc.last())
            if left == 0:
                return 0
            if len(items) < limit:
                return left
            await self._report(ONLINE, pending=left)

    async def _pull(self, conn: AsyncConnection[Any], pending: int) -> int:
        after = await self._local(local.cursor)
        while True:
            pulled, head = await self._timed(central.pull(conn, after, self.settings.pull_batch))
            if not pulled:
                return 0
            theirs = [p.entry for p in pulled if p.origin != self.workstation]
            for entry in theirs:
                self.hlc.observe(entry.hlc)
            after = pulled[-1].seq
            _, changes = await self._write(local.apply_pulled, theirs, after, self.hlc.last())
            if changes:
                self.on_changes(changes)
            behind = head - after
            if behind <= 0:
                return 0
            await self._report(CATCHING_UP, pending=pending, behind=behind)

    async def _lease(self, conn: AsyncConnection[Any]) -> None:
        year = self._wall().year
        left = await self._local(local.leased_left, year)
        while left < self.settings.lease_reserve:
            first, last = await self._timed(
                central.lease(conn, self.workstation, year, self.settings.lease_block)
            )
            await self._write(local.add_lease, year, first, last)
            left += last - first + 1

    # -- the local cache, through the store's threads

    async def _local(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(self.store.read_sync, fn, *args)

    async def _write(self, fn: Callable[..., T], *args: Any) -> tuple[T, list[Change]]:
        result: tuple[T, list[Change]] = await asyncio.wrap_future(
            self.store.submit_write(fn, *args)
        )
        return result

    async def _report(self, state: str, **fields: Any) -> None:
        if "pending" not in fields:
            try:
                fields["pending"] = await self._local(local.pending_count)
            except Exception:
                fields["pending"] = self._status.pending
        if state in (ONLINE, CATCHING_UP):
            fields["last_contact"] = self._wall()
            fields.setdefault("message", "")
            fields.setdefault("behind", 0)
        status = replace(self._status, state=state, **fields)
        if status != self._status:
            self._status = status
            try:
                self.on_status(status)
            except Exception:
                logger.exception("sync status listener failed")


def _retrieve(task: asyncio.Future[Any]) -> None:
    """Take a left-behind call's outcome, so asyncio does not log it as never retrieved."""
    if not task.cancelled():
        task.exception()


async def _close(conn: AsyncConnection[Any]) -> None:
    with contextlib.suppress(Exception):  # a dead link: the socket is gone either way
        await asyncio.wait_for(conn.close(), 2)


def _plain(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "The central database did not answer in time. Working offline; nothing is lost."
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return f"The central database cannot be reached ({first}). Working offline; nothing is lost."
