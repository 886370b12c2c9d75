"""Nearest points, fast: a uniform grid over the points, searched ring by ring outwards.

Cells are square in metres (longitude scaled at the points' mean latitude). A ring of cells is
searched only while it could still hold something nearer than the n-th best found so far, so a
query touches a handful of cells whatever the number of points. Distances returned are
great-circle metres. Not for points spread across the antimeridian.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from dispatch_desk.geo.geometry import haversine_m, metres_per_degree

K = TypeVar("K")


class PointIndex(Generic[K]):
    """Immutable index of (key, lat, lon); build a new one when the points change."""

    def __init__(self, items: Iterable[tuple[K, float, float]], cell_m: float | None = None):
        self._keys: list[K] = []
        self._lats: list[float] = []
        self._lons: list[float] = []
        for key, lat, lon in items:
            if not (math.isfinite(lat) and math.isfinite(lon)):
                raise ValueError(f"point {key!r} has no valid position ({lat}, {lon})")
            self._keys.append(key)
            self._lats.append(lat)
            self._lons.append(lon)
        self._cells: dict[tuple[int, int], list[int]] = {}
        if not self._keys:
            self._cell_lat = self._cell_lon = 1.0
            return
        mid_lat = sum(self._lats) / len(self._lats)
        mx, my = metres_per_degree(mid_lat)
        mx = max(mx, 1.0)  # at the poles a degree of longitude is nothing
        if cell_m is None:
            width = (max(self._lons) - min(self._lons)) * mx
            height = (max(self._lats) - min(self._lats)) * my
            # About two points a cell on average, within sane limits.
            cell_m = math.sqrt(max(width * height, 1.0) / len(self._keys) * 2)
            cell_m = min(max(cell_m, 25.0), 50_000.0)
        self._cell_lat = cell_m / my
        self._cell_lon = cell_m / mx
        for index, (lat, lon) in enumerate(zip(self._lats, self._lons, strict=True)):
            self._cells.setdefault(self._cell_of(lat, lon), []).append(index)
        xs = [c[0] for c in self._cells]
        ys = [c[1] for c in self._cells]
        self._span = (min(xs), max(xs), min(ys), max(ys))
        self._max_abs_lat = max(abs(min(self._lats)), abs(max(self._lats)))

    def __len__(self) -> int:
        return len(self._keys)

    def _cell_of(self, lat: float, lon: float) -> tuple[int, int]:
        return (math.floor(lon / self._cell_lon), math.floor(lat / self._cell_lat))

    def _ring_gap_m(self, ring: int, lat: float) -> float:
        """No point in a cell of Chebyshev ring ``ring`` (or beyond) is nearer than this: the
        query may sit anywhere in its own cell, so a whole cell less than the ring's number."""
        worst_lat = min(89.9, max(self._max_abs_lat, abs(lat)))
        mx, my = metres_per_degree(worst_lat)
        return max(0, ring - 1) * min(self._cell_lon * mx, self._cell_lat * my) * 0.999

    def nearest(
        self,
        lat: float,
        lon: float,
        n: int,
        radius_m: float | None = None,
        where: Callable[[K], bool] | None = None,
    ) -> list[tuple[K, float]]:
        """Up to n (key, distance in metres), nearest first, within radius_m if given, only
        keys for which ``where`` says yes."""
        if n <= 0 or not self._keys:
            return []
        cx, cy = self._cell_of(lat, lon)
        span = self._span
        lo_x, hi_x, lo_y, hi_y = span
        # Rings wholly outside the occupied cells are skipped, not walked.
        first_ring = max(lo_x - cx, cx - hi_x, lo_y - cy, cy - hi_y, 0)
        last_ring = max(abs(cx - lo_x), abs(cx - hi_x), abs(cy - lo_y), abs(cy - hi_y))
        best: list[tuple[float, int]] = []  # max-heap of the n best, as (-distance, index)
        keys, lats, lons, cells = self._keys, self._lats, self._lons, self._cells
        for ring in range(first_ring, last_ring + 1):
            gap = self._ring_gap_m(ring, lat)
            if radius_m is not None and gap > radius_m:
                break
            if len(best) == n and gap > -best[0][0]:
                break
            for cell in _ring_cells(cx, cy, ring, span):
                for index in cells.get(cell, ()):
                    d = haversine_m(lat, lon, lats[index], lons[index])
                    if radius_m is not None and d > radius_m:
                        continue
                    if len(best) == n and d >= -best[0][0]:
                        continue
                    if where is not None and not where(keys[index]):
                        continue
                    if len(best) < n:
                        heapq.heappush(best, (-d, index))
                    else:
                        heapq.heapreplace(best, (-d, index))
        return [(keys[i], d) for d, i in sorted((-d, i) for d, i in best)]


def _ring_cells(
    cx: int, cy: int, ring: int, span: tuple[int, int, int, int]
) -> Iterable[tuple[int, int]]:
    """The cells at Chebyshev distance ``ring`` from (cx, cy) that lie within ``span``."""
    lo_x, hi_x, lo_y, hi_y = span
    if ring == 0:
        yield (cx, cy)
        return
    x_from, x_to = max(cx - ring, lo_x), min(cx + ring, hi_x)
    for y in (cy - ring, cy + ring):
        if lo_y <= y <= hi_y:
            for x in range(x_from, x_to + 1):
                yield (x, y)
    y_from, y_to = max(cy - ring + 1, lo_y), min(cy + ring - 1, hi_y)
    for x in (cx - ring, cx + ring):
        if lo_x <= x <= hi_x:
            for y in range(y_from, y_to + 1):
                yield (x, y)
