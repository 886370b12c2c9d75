"""The wall's side of audited viewing: opening and closing ``camera_viewing`` rows so that none
is left open, whatever happens to the task or window that asked.

An opening whose task is cancelled (the wall closes) still commits on the store's writer; it is
then closed there. Closing is idempotent, so a close that may have run twice is harmless. Plain
Python (no Qt): the wall window owns one per window.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from concurrent.futures import Future
from typing import Any

from dispatch_desk.cameras import viewing
from dispatch_desk.desk import DeskCore
from dispatch_desk.services.context import Actor
from dispatch_desk.storage.database import StoreUnavailable

logger = logging.getLogger(__name__)

_NOT_CLOSED = "camera viewing not closed in the audit trail: %s"


class ViewingLedger:
    def __init__(self, core: DeskCore, actor: Actor) -> None:
        self.core = core
        self.actor = actor

    async def open(self, camera_id: uuid.UUID, **context: Any) -> viewing.Viewing:
        """Open a viewing on the store's writer (refusals raise, with their audit published)."""
        future = self.core.store.submit_write(
            viewing.open_viewing, self.actor, camera_id, self.core.clock(), **context
        )
        try:
            opened, changes = await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            future.add_done_callback(self._close_orphan)
            raise
        except Exception as exc:
            self.core.bus.publish(getattr(exc, "recorded_changes", []))
            raise
        self.core.bus.publish(changes)
        return opened

    async def close(self, viewing_id: uuid.UUID) -> None:
        try:
            await self.core.store.write(
                viewing.close_viewing, self.actor, viewing_id, self.core.clock()
            )
        except asyncio.CancelledError:
            self.close_soon(viewing_id)
            raise
        except StoreUnavailable as exc:
            logger.warning(_NOT_CLOSED, exc.user_message)

    def close_soon(self, viewing_id: uuid.UUID) -> None:
        """(any thread, no loop needed) Queue the close on the store's writer."""
        if self.core.store.closed:
            logger.warning(_NOT_CLOSED, "the store is closed")
            return
        try:
            self.core.store.submit_write(
                viewing.close_viewing, self.actor, viewing_id, self.core.clock()
            )
        except RuntimeError:  # the writer shut down meanwhile
            logger.warning(_NOT_CLOSED, "the store is closed")

    def _close_orphan(self, future: Future[Any]) -> None:
        """(any thread) An opening whose task was cancelled: close what it opened, if it did."""
        if future.cancelled() or future.exception() is not None:
            return
        self.close_soon(future.result()[0].id)
