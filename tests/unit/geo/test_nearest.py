"""The nearest-point index against brute force, on random points."""

from __future__ import annotations

import random

import pytest

from dispatch_desk.geo.geometry import haversine_m
from dispatch_desk.geo.nearest import PointIndex


def _brute(points, lat, lon, n, radius=None, where=None):  # type: ignore[no-untyped-def]
    found = sorted(
        (haversine_m(lat, lon, p_lat, p_lon), key)
        for key, p_lat, p_lon in points
        if where is None or where(key)
    )
    if radius is not None:
        found = [f for f in found if f[0] <= radius]
    return [key for _, key in found[:n]]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_agrees_with_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    points = [(i, rng.uniform(42.35, 42.40), rng.uniform(-71.16, -71.06)) for i in range(3000)]
    index = PointIndex(points)
    for _ in range(120):
        lat, lon = rng.uniform(42.30, 42.45), rng.uniform(-71.25, -71.0)
        n = rng.choice([1, 4, 10, 50])
        radius = rng.choice([None, 150.0, 1000.0, 20_000.0])
        where = rng.choice([None, lambda k: k % 7 == 0])
        got = index.nearest(lat, lon, n, radius, where)
        assert [k for k, _ in got] == _brute(points, lat, lon, n, radius, where)
        assert [d for _, d in got] == sorted(d for _, d in got)


def test_clustered_and_far_flung_points() -> None:
    rng = random.Random(9)
    # Units across a county plus a dense downtown cluster, and a query far outside.
    points = [(f"u{i}", rng.gauss(42.5, 0.2), rng.gauss(-71.7, 0.3)) for i in range(500)]
    points += [(f"d{i}", rng.gauss(42.51, 0.001), rng.gauss(-71.72, 0.001)) for i in range(2000)]
    index = PointIndex(points)
    for lat, lon in [(42.51, -71.72), (45.0, -75.0), (42.0, -71.0), (10.0, 10.0)]:
        assert [k for k, _ in index.nearest(lat, lon, 5)] == _brute(points, lat, lon, 5)


def test_edges() -> None:
    assert PointIndex([]).nearest(1.0, 2.0, 3) == []
    index = PointIndex([("a", 42.0, -71.0), ("b", 42.001, -71.0)])
    assert [k for k, _ in index.nearest(42.0, -71.0, 10)] == ["a", "b"]
    assert index.nearest(42.0, -71.0, 0) == []
    assert index.nearest(42.0, -71.0, 5, where=lambda k: False) == []
    near = index.nearest(42.0, -71.0, 5, radius_m=50)
    assert [k for k, _ in near] == ["a"] and near[0][1] == 0.0
    assert len(index) == 2
    with pytest.raises(ValueError, match="'x'"):
        PointIndex([("x", float("nan"), 0.0)])


def test_fast_for_ten_thousand_points() -> None:
    import time

    rng = random.Random(4)
    points = [(i, rng.uniform(42.35, 42.40), rng.uniform(-71.16, -71.06)) for i in range(10_000)]
    index = PointIndex(points)
    queries = [(rng.uniform(42.35, 42.40), rng.uniform(-71.16, -71.06)) for _ in range(500)]
    started = time.perf_counter()
    for lat, lon in queries:
        index.nearest(lat, lon, 4)
    per_query_ms = (time.perf_counter() - started) / len(queries) * 1000
    assert per_query_ms < 2.0  # brute force over 10,000 points takes about 5 ms
