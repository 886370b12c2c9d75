"""Waiting for tasks with a time limit, without leaving a long timer behind.

Under qasync a cancelled ``call_later`` keeps its Qt timer until the moment it would have
fired. An event loop torn down with such a timer outstanding (the tests make one per test) may
then be destroyed on another thread, which Qt does not survive. Shutdown paths therefore wait
by looking again every few milliseconds instead of arming one timer for the whole limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any


async def settle(
    awaitables: Iterable[Awaitable[Any]], timeout_s: float, *, step_s: float = 0.02
) -> bool:
    """Wait until every one is done or ``timeout_s`` has passed; True if all are done.

    Nothing is cancelled: what is left running is the caller's to deal with."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not all(t.done() for t in tasks):
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(step_s)
    return True
