"""Loading the map at start-up: units go to their stations and the demo gets its cameras; a
store that cannot take writes costs those placements (said in the log), never the map."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dispatch_desk.desk import DeskCore
from dispatch_desk.storage.models import Camera, Unit
from tests.helpers.core import make_core


def test_the_map_loads_and_places_units_and_demo_cameras(core: DeskCore) -> None:
    geo = core.geo_now()
    assert geo.layers.source == "demo town Riverton" and not geo.layers.is_empty()
    units = core.store.read_sync(lambda s: list(s.scalars(select(Unit))))
    stations = {p.station: (p.lat, p.lon) for p in geo.layers.places if p.station}
    assert units and all((u.latitude, u.longitude) == stations[u.station] for u in units)
    cameras = core.store.read_sync(lambda s: s.scalar(select(func.count()).select_from(Camera)))
    assert cameras >= 10


def test_a_locked_store_costs_the_placements_not_the_map(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    core = make_core(tmp_path, store__busy_timeout_ms=100)
    try:
        other = sqlite3.connect(core.settings.store_file(core.paths), timeout=0.1)
        other.execute("BEGIN IMMEDIATE")  # another program holds the write lock throughout
        try:
            with caplog.at_level(logging.WARNING):
                geo = core.geo_now()
        finally:
            other.rollback()
            other.close()
        assert not geo.layers.is_empty()
        assert geo.geocode("480 N Main St", limit=1)[0].score >= 0.9
        assert "units and cameras not placed on the map" in caplog.text
        placed = core.store.read_sync(
            lambda s: s.scalar(
                select(func.count()).select_from(Unit).where(Unit.latitude.is_not(None))
            )
        )
        assert placed == 0
    finally:
        core.close()
