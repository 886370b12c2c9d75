"""Token-bucket rate limits, one bucket per key (an address, a session, a workstation)."""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self,
        per_minute: float,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10000,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst if burst is not None else max(1.0, per_minute)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._max_keys = max_keys

    def allow(self, key: str, cost: float = 1.0) -> bool:
        now = self._clock()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        allowed = tokens >= cost
        if allowed:
            tokens -= cost
        if len(self._buckets) >= self._max_keys and key not in self._buckets:
            self._forget_full(now)
        self._buckets[key] = (tokens, now)
        return allowed

    def blocked(self, key: str) -> bool:
        """True while ``key`` has nothing left (without spending anything)."""
        found = self._buckets.get(key)
        if found is None:
            return False
        tokens, last = found
        return min(self.burst, tokens + (self._clock() - last) * self.rate) < 1.0

    def _forget_full(self, now: float) -> None:
        # Buckets that have refilled say nothing; dropping them bounds memory under a flood.
        full = [
            k
            for k, (t, last) in self._buckets.items()
            if t + (now - last) * self.rate >= self.burst
        ]
        for k in full:
            del self._buckets[k]
        if len(self._buckets) >= self._max_keys:
            self._buckets.clear()
