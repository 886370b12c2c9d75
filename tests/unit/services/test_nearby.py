"""Nearest cameras and available units to a place: the right ones, in order, within the radius,
with registry-only cameras and busy or unplaced units left out."""

from __future__ import annotations

import math
import random

from sqlalchemy import select

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import CameraOwner, CameraSharing, Discipline, UnitStatus
from dispatch_desk.geo.geometry import LatLon, haversine_m, offset
from dispatch_desk.services import nearby
from dispatch_desk.services.context import Actor
from dispatch_desk.storage.models import Camera, Unit
from tests.helpers.core import FakeClock, create_incident, unit_id

HERE = LatLon(42.3736, -71.1097)


def _cameras(core: DeskCore, clock: FakeClock, n: int = 300) -> list[Camera]:
    rng = random.Random(3)
    made = []

    def add(session):  # type: ignore[no-untyped-def]
        for i in range(n):
            at = offset(HERE, rng.uniform(-1500, 1500), rng.uniform(-1500, 1500))
            camera = Camera(
                name=f"CAM {i}",
                latitude=at.lat,
                longitude=at.lon,
                heading_deg=rng.choice([None, rng.uniform(0, 360)]),
                fov_deg=60.0,
                owner=CameraOwner.PUBLIC if i % 5 else CameraOwner.PRIVATE,
                sharing=CameraSharing.REGISTRY if i % 7 == 0 else CameraSharing.LIVE,
                enabled=i % 11 != 0,
                updated_at=clock(),
            )
            session.add(camera)
            made.append(camera)

    core.store.write_sync(add)
    return made


def test_nearest_cameras_match_a_brute_force_search(core: DeskCore, clock: FakeClock) -> None:
    cameras = _cameras(core, clock)
    found = core.store.read_sync(nearby.nearest_cameras, HERE.lat, HERE.lon, 6, 800.0)
    expected = sorted(
        (
            (haversine_m(HERE.lat, HERE.lon, c.latitude, c.longitude), c.name)
            for c in cameras
            if c.enabled and c.sharing != CameraSharing.REGISTRY
        ),
    )
    expected = [(d, name) for d, name in expected if d <= 800.0][:6]
    assert [c.name for c in found] == [name for _, name in expected]
    assert all(
        math.isclose(c.distance_m, d, rel_tol=1e-6)
        for c, (d, _) in zip(found, expected, strict=True)
    )
    assert all(c.sharing != CameraSharing.REGISTRY for c in found)
    everything = core.store.read_sync(
        nearby.nearest_cameras, HERE.lat, HERE.lon, 50, 800.0, viewable_only=False
    )
    assert any(c.sharing == CameraSharing.REGISTRY for c in everything)


def test_a_camera_facing_the_place_is_told_from_one_facing_away(
    core: DeskCore, clock: FakeClock
) -> None:
    north = offset(HERE, 0, 60)

    def add(session):  # type: ignore[no-untyped-def]
        for name, heading in (("looks south", 180.0), ("looks north", 0.0), ("dome", None)):
            session.add(
                Camera(
                    name=name,
                    latitude=north.lat,
                    longitude=north.lon,
                    heading_deg=heading,
                    fov_deg=70.0,
                    owner=CameraOwner.PUBLIC,
                    sharing=CameraSharing.LIVE,
                    updated_at=clock(),
                )
            )

    core.store.write_sync(add)
    found = core.store.read_sync(nearby.nearest_cameras, HERE.lat, HERE.lon, 3, 100.0)
    assert {c.name: c.facing for c in found} == {
        "looks south": True,
        "looks north": False,
        "dome": True,
    }


def test_nearest_units_are_available_ones_with_a_position(
    core: DeskCore, calltaker: Actor, dispatcher: Actor, clock: FakeClock
) -> None:
    spots = {"M7": 300, "M8": 120, "E1": 900, "P11": 50, "P12": 2500}

    def place(session):  # type: ignore[no-untyped-def]
        for unit in session.scalars(select(Unit)):
            metres = spots.get(unit.call_sign)
            unit.status, unit.incident_id = UnitStatus.AVAILABLE, None
            if metres is not None:
                at = offset(HERE, metres, 0)
                unit.latitude, unit.longitude = at.lat, at.lon

    core.store.write_sync(place)
    incident = create_incident(core, calltaker)
    core.store.write_sync(
        core.units.assign, dispatcher, unit_id(core, "M8"), incident.id, clock()
    )  # M8, the nearest medic, is busy now
    found = core.store.read_sync(nearby.nearest_units, HERE.lat, HERE.lon, 5)
    assert [u.call_sign for u in found] == ["P11", "M7", "E1", "P12"]
    assert all(u.status == UnitStatus.AVAILABLE for u in found)
    ems = core.store.read_sync(
        nearby.nearest_units, HERE.lat, HERE.lon, 5, 1000.0, discipline=Discipline.EMS
    )
    assert [u.call_sign for u in ems] == ["M7"]
    assert math.isclose(ems[0].distance_m, 300, rel_tol=0.01)
