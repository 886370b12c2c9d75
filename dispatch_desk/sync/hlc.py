"""A hybrid logical clock (Kulkarni et al., 2014): physical milliseconds plus a counter plus the
node's name, printed so that comparing two stamps as strings compares them as clocks.

A workstation stamps each write with ``now()`` and ``observe()``s every stamp it pulls, so a
write made after seeing another write always carries a later stamp, even if this workstation's
wall clock is behind. Ties between nodes are broken by the node name, so two stamps are never
equal unless they are the same write.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# Sorts before every real stamp: seeded rows (units, demo users) lose to any real change.
GENESIS = "0000000000000.0000.genesis"
_MAX_COUNTER = 9999


def format_stamp(ms: int, counter: int, node: str) -> str:
    return f"{ms:013d}.{counter:04d}.{node}"


def parse_stamp(stamp: str) -> tuple[int, int, str]:
    ms, counter, node = stamp.split(".", 2)
    return int(ms), int(counter), node


def node_of(stamp: str) -> str:
    """Which node (workstation) made this stamp."""
    return stamp.split(".", 2)[2] if stamp.count(".") >= 2 else ""


class HybridClock:
    def __init__(self, node: str, *, wall_ms: Callable[[], int] | None = None) -> None:
        if not node:
            raise ValueError("an HLC node needs a name")
        self.node = node
        self._wall_ms = wall_ms or (lambda: time.time_ns() // 1_000_000)
        self._lock = threading.Lock()
        self._ms = 0
        self._counter = 0

    def now(self) -> str:
        with self._lock:
            wall = self._wall_ms()
            if wall > self._ms:
                self._ms, self._counter = wall, 0
            else:
                self._bump()
            return format_stamp(self._ms, self._counter, self.node)

    def observe(self, stamp: str) -> None:
        """Move past a stamp seen from elsewhere, so our next stamp is later than it."""
        ms, counter, _ = parse_stamp(stamp)
        with self._lock:
            if (ms, counter) > (self._ms, self._counter):
                self._ms, self._counter = ms, counter

    def last(self) -> str:
        with self._lock:
            return format_stamp(self._ms, self._counter, self.node)

    def _bump(self) -> None:
        if self._counter >= _MAX_COUNTER:
            self._ms, self._counter = self._ms + 1, 0
        else:
            self._counter += 1
