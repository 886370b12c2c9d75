"""Distances, bearings and offsets on the Earth, against published figures and each other."""

from __future__ import annotations

import math
import random

import pytest

from dispatch_desk.geo.geometry import (
    LatLon,
    bearing_deg,
    distance_m,
    line_length_m,
    offset,
    point_along,
    project_on_line,
)

JFK = LatLon(40.6413, -73.7781)
BOS = LatLon(42.3656, -71.0096)


def test_distance_matches_the_published_great_circle() -> None:
    # JFK to Boston Logan: 187 statute miles great-circle (301 km).
    assert distance_m(JFK, BOS) == pytest.approx(301_000, rel=0.005)
    assert distance_m(BOS, JFK) == pytest.approx(distance_m(JFK, BOS))
    assert distance_m(BOS, BOS) == 0.0


def test_a_degree_of_latitude_is_about_111_km() -> None:
    assert distance_m(LatLon(0, 0), LatLon(1, 0)) == pytest.approx(111_195, rel=0.001)


@pytest.mark.parametrize(
    ("to", "expected"),
    [(LatLon(1, 0), 0.0), (LatLon(0, 1), 90.0), (LatLon(-1, 0), 180.0), (LatLon(0, -1), 270.0)],
)
def test_bearings_at_the_equator(to: LatLon, expected: float) -> None:
    assert bearing_deg(LatLon(0, 0), to) == pytest.approx(expected, abs=1e-9)


def test_bearing_boston_is_north_east_of_new_york() -> None:
    assert 40 < bearing_deg(JFK, BOS) < 60


def test_offset_round_trips_through_distance_and_bearing() -> None:
    rng = random.Random(7)
    for _ in range(200):
        start = LatLon(rng.uniform(-60, 60), rng.uniform(-170, 170))
        east, north = rng.uniform(-3000, 3000), rng.uniform(-3000, 3000)
        moved = offset(start, east, north)
        assert distance_m(start, moved) == pytest.approx(math.hypot(east, north), rel=0.005)
        expected_bearing = math.degrees(math.atan2(east, north)) % 360
        difference = (bearing_deg(start, moved) - expected_bearing + 180) % 360 - 180
        assert abs(difference) < 0.5


def test_point_along_a_line_and_to_its_left() -> None:
    start = LatLon(42.5, -71.7)
    end = offset(start, 1000, 0)  # due east
    line = ((start.lon, start.lat), (end.lon, end.lat))
    assert line_length_m(line) == pytest.approx(1000, rel=0.001)
    lat, lon = point_along(line, 0.25)
    assert distance_m(start, LatLon(lat, lon)) == pytest.approx(250, rel=0.001)
    lat, lon = point_along(line, 0.5, side_m=10)  # left of travel east is north
    assert lat > start.lat
    assert distance_m(offset(start, 500, 10), LatLon(lat, lon)) < 0.5


def test_projection_finds_side_and_fraction() -> None:
    start = LatLon(42.5, -71.7)
    corner = offset(start, 0, 400)
    end = offset(start, 300, 400)
    line = ((start.lon, start.lat), (corner.lon, corner.lat), (end.lon, end.lat))
    north_then_east = offset(start, 150, 380)  # below the second leg: on its right
    dist, fraction, left = project_on_line(line, north_then_east.lat, north_then_east.lon)
    assert dist == pytest.approx(20, abs=0.5)
    assert fraction == pytest.approx(550 / 700, abs=0.01)
    assert left is False
    west = offset(start, -30, 200)  # west of a northbound leg: on its left
    dist, fraction, left = project_on_line(line, west.lat, west.lon)
    assert dist == pytest.approx(30, abs=0.5)
    assert fraction == pytest.approx(200 / 700, abs=0.01)
    assert left is True
