"""The store: every database call runs off the GUI thread.

Writes run on one thread and reads on another, so the GUI never waits on disk.
A write is one transaction: the service function runs, the transaction commits, and only then
are the change notices it recorded published on the event loop's thread. A busy or full database
comes back as a :class:`StoreUnavailable` the caller shows to the dispatcher, with nothing lost.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from dispatch_desk.events import Change, ChangeBus, take_changes
from dispatch_desk.storage.database import StoreUnavailable, classify

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Store:
    def __init__(
        self, engine: Engine, bus: ChangeBus | None = None, *, reader: Engine | None = None
    ) -> None:
        self.engine = engine
        self.bus = bus or ChangeBus()
        self._write_engine = engine.execution_options(write=True)
        self._read_engine = reader or engine
        # One writer thread (SQLite has one writer) and one reader thread: under WAL, reads
        # never wait for a write to finish and the dispatcher's save never queues behind a list
        # being reloaded.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-write")
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-read")
        self._closed = False
        # Set by the sync engine: writes then leave outbox entries (see dispatch_desk.sync).
        self.capture: Any = None

    # -- synchronous API: runs in the calling thread (the worker, tests, command-line tools)

    def write_sync(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, list[Change]]:
        if kwargs:
            fn = functools.partial(fn, **kwargs)
        capture = self.capture
        info = {"sync_capture": capture} if capture is not None else {}
        try:
            with (
                Session(self._write_engine, expire_on_commit=False, info=info) as session,
                session.begin(),
            ):
                result = fn(session, *args)
                changes = take_changes(session)
            if capture is not None and session.info.get("sync_outbox_written"):
                capture.on_written()
            return result, changes
        except Exception as exc:
            # A refusal (permission denied) is audited even though its transaction rolled back.
            after = getattr(exc, "record_after_rollback", None)
            if after is not None and not isinstance(exc, SQLAlchemyError):
                _, changes = self.write_sync(after)
                exc.recorded_changes = changes  # type: ignore[attr-defined]
                raise
            if not isinstance(exc, SQLAlchemyError):
                raise
            known = classify(exc)
            if known is None:
                raise
            logger.warning("store write refused: %s", type(known).__name__)
            raise known from exc

    def read_sync(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if kwargs:
            fn = functools.partial(fn, **kwargs)
        try:
            with Session(self._read_engine, expire_on_commit=False) as session, session.begin():
                return fn(session, *args)
        except SQLAlchemyError as exc:
            known = classify(exc)
            if known is None:
                raise
            raise known from exc

    # -- asynchronous API for the event loop

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        call = functools.partial(self.write_sync, fn, *args, **kwargs)
        try:
            result, changes = await loop.run_in_executor(self._executor, call)
        except Exception as exc:
            self.bus.publish(getattr(exc, "recorded_changes", []))
            raise
        self.bus.publish(changes)
        return result

    def submit_write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[Any]:
        """Queue a write on the writer thread from any thread; the future holds
        ``(result, changes)`` and the caller publishes the changes where its listeners live."""
        return self._executor.submit(self.write_sync, fn, *args, **kwargs)

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        call = functools.partial(self.read_sync, fn, *args, **kwargs)
        return await loop.run_in_executor(self._reader, call)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._reader.shutdown(wait=True, cancel_futures=True)
        self.engine.dispose()
        if self._read_engine is not self.engine:
            self._read_engine.dispose()


__all__ = ["Store", "StoreUnavailable"]
