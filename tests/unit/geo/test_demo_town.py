"""Riverton, the generated demo town: every address the simulated calls can produce geocodes
with confidence, every unit's station is on the map, and the town is the same every time."""

from __future__ import annotations

import time
import tomllib
from datetime import UTC, datetime
from itertools import pairwise

import pytest

from dispatch_desk.config.paths import resolve_paths
from dispatch_desk.demo.calls import DemoCallFeed
from dispatch_desk.demo.town import PLACES, STREETS
from dispatch_desk.domain.address import normalize_street
from dispatch_desk.geo import demo_town as demo_module
from dispatch_desk.geo.demo_town import demo_town
from dispatch_desk.geo.geocoder import Geocoder
from dispatch_desk.geo.geometry import haversine_m
from dispatch_desk.geo.layers import GisLayers


@pytest.fixture(scope="module")
def town() -> GisLayers:
    return demo_town()


@pytest.fixture(scope="module")
def geocoder(town: GisLayers) -> Geocoder:
    return Geocoder(town)


def test_every_generated_call_address_is_trusted(geocoder: Geocoder) -> None:
    # calls.py: rng.randrange(1, 60) * 10 + rng.choice((0, 2, 4, 5, 7)) on any street.
    weak = []
    for street in STREETS:
        for k in range(1, 60):
            for d in (0, 2, 4, 5, 7):
                typed = f"{k * 10 + d} {street}"
                found = geocoder.geocode(typed, 1)
                trusted = found and found[0].score >= 0.9 and found[0].kind == "address"
                if not trusted or normalize_street(found[0].label) != normalize_street(typed):
                    weak.append((typed, found[:1]))
    assert weak == []


def test_every_place_by_address_with_its_name_and_by_name(
    geocoder: Geocoder, town: GisLayers
) -> None:
    for name, address in PLACES:
        place = next(p for p in town.places if p.name == name)
        for typed in (address, f"{address} ({name})", name, name.lower()):
            found = geocoder.geocode(typed, 1)
            assert found and found[0].score >= 0.9, typed
            assert haversine_m(found[0].lat, found[0].lon, place.lat, place.lon) < 1, typed


def test_the_call_feed_itself(geocoder: Geocoder) -> None:
    feed = DemoCallFeed(lambda: datetime(2026, 3, 14, tzinfo=UTC), seed=4)
    for _ in range(300):
        call = feed.next_call()
        found = geocoder.geocode(call.scenario_address, 1)
        assert found and found[0].score >= 0.9, call.scenario_address


def test_the_demo_unit_stations_are_places_of_the_right_kind(town: GisLayers) -> None:
    profile = resolve_paths().resources_dir / "agency" / "demo.toml"
    units = tomllib.loads(profile.read_text(encoding="utf-8"))["units"]
    stations = {p.station: p for p in town.places if p.station}
    kinds = {"police": "police_station", "fire": "fire_station"}
    for unit in units:
        assert unit["station"] in stations, unit
        if unit["discipline"] in kinds:
            assert stations[unit["station"]].kind == kinds[unit["discipline"]], unit
    assert {p.kind for p in town.places} >= {"school", "hospital", "library"}


def _inside(lon: float, lat: float, ring: tuple[tuple[float, float], ...]) -> bool:
    inside = False
    for (x0, y0), (x1, y1) in pairwise(ring):
        if (y0 > lat) != (y1 > lat) and lon < x0 + (lat - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def test_streets_and_houses_are_inside_the_town_and_off_the_river(town: GisLayers) -> None:
    line = next(b for b in town.boundaries if b.kind == "town")
    river = next(b for b in town.boundaries if b.name == "Mill River")
    for street in town.streets:
        for lon, lat in street.coords:
            assert _inside(lon, lat, line.rings[0]), street.id
    for point in town.addresses:
        assert _inside(point.lon, point.lat, line.rings[0]), point.label
        assert not _inside(point.lon, point.lat, river.rings[0]), point.label
    assert {b.kind for b in town.boundaries} >= {"town", "police_beat", "fire_district", "water"}


def test_every_block_has_ranges_on_both_sides_odd_left_even_right(town: GisLayers) -> None:
    assert {s.name for s in town.streets} == {normalize_street(s) for s in STREETS}
    bridges = [s for s in town.streets if s.left_from is None]
    assert {s.name for s in bridges} == {"MAIN ST", "BRIDGE ST"}  # over the river: no houses
    for street in town.streets:
        if street in bridges:
            continue
        assert street.left_from is not None and street.left_from % 2 == 1
        assert street.left_to is not None and street.left_to % 2 == 1
        assert street.right_from is not None and street.right_from % 2 == 0
        assert street.right_to is not None and street.right_to % 2 == 0


def test_the_main_street_crosses_the_numbered_avenues(geocoder: Geocoder) -> None:
    for typed in ("MAIN ST & 2ND AVE", "Main St at 3rd Ave", "N Main St / 5th Ave"):
        found = geocoder.geocode(typed, 1)
        assert found and found[0].kind == "intersection" and found[0].score >= 0.9, typed


def test_same_town_every_time_and_quick_to_make(town: GisLayers) -> None:
    again = demo_town()
    assert again == town and again is not town
    started = time.perf_counter()
    fresh = demo_module._generate.__wrapped__()  # uncached
    elapsed = time.perf_counter() - started
    assert GisLayers(*fresh, source=town.source, localities=town.localities) == town
    assert elapsed < 0.5, f"generating the demo town took {elapsed:.3f} s (target 0.15 s)"
    lo_lon, lo_lat, hi_lon, hi_lat = town.bounds()
    assert 1500 < haversine_m(lo_lat, lo_lon, lo_lat, hi_lon) < 6000  # a few km across
    assert 1500 < haversine_m(lo_lat, lo_lon, hi_lat, lo_lon) < 6000
    assert not town.is_empty()
