"""Ownership of asyncio tasks: each is held strongly, its failure logged, cancelled at shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from dispatch_desk.waits import settle

logger = logging.getLogger(__name__)


class TaskOwner:
    def __init__(self, name: str) -> None:
        self._name = name
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str = "") -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        task.set_name(f"{self._name}:{name or getattr(coro, '__name__', 'task')}")
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            logger.error("task %s failed", task.get_name(), exc_info=exc)

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def shutdown(self, timeout_s: float = 2.0) -> None:
        """Cancel every task and wait (bounded) for them to finish."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:  # by settle, not asyncio.wait(timeout=): see dispatch_desk.waits
            await settle(tasks, timeout_s)
